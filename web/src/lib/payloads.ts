// Builds the API request bodies from the wizard state (shapes of the backend's DatasetCreate and
// JobRequest models; the generated types check them where they are sent).
import type { components } from "../api/schema";
import { countryColumn, isExternalIdRole } from "./columns";
import type { WizardState } from "../state/wizard";

type Schemas = components["schemas"];
export type DatasetBody = Schemas["DatasetCreate"];
export type JobBody = Schemas["JobRequest"] & { columns: Schemas["JobColumn"][] };
export type TemplateBody = Schemas["JobTemplate"];

function country(code: string): Schemas["CountryCode"] | null {
  return (code || null) as Schemas["CountryCode"] | null;
}

export function datasetBody(state: WizardState): DatasetBody {
  const d = state.dataset;
  return {
    datasetId: d.id,
    description: d.description.trim() || null,
    // A DIMENSION dataset has no period (spec C.3).
    period: d.period === "DIMENSION" ? null : d.period,
    countryCode: country(d.country),
    columns: state.columns
      .filter((c) => !c.excluded)
      .map((c) => ({
        name: c.name,
        description: c.description.trim() || null,
        dataType: c.dataType,
        columnType: c.role === "METRIC" ? "METRIC" : "DIMENSION",
        piiType: c.role === "PII" ? c.piiType : null,
        externalIdType: isExternalIdRole(c.role) ? c.role : null,
        isMainEventTime: c.role === "MAIN_EVENT_TIME",
        nullable: c.nullable,
        consentType: c.role === "CONSENT" ? (c.consentType ?? null) : null,
        isCountryCode: c.role === "COUNTRY",
      })),
  };
}

export function jobBody(state: WizardState): JobBody {
  const d = state.dataset;
  return {
    sourceKeys: [...state.keys],
    instanceIds: [...state.instances],
    datasetId: d.mode === "new" ? d.id : d.existingId,
    updateStrategy: d.mode === "new" ? "ADDITIVE" : d.updateStrategy,
    countryCode: country(d.country),
    countryColumn: countryColumn(state.columns),
    fileFormat: state.fileFormat === "AUTO" ? null : state.fileFormat,
    missingConsent: state.missingConsent,
    columns: state.columns.map((c) => ({
      name: c.name,
      piiType: c.role === "PII" && !c.excluded ? c.piiType : null,
      dataType: c.dataType,
      drop: c.excluded,
      isMainEventTime: !c.excluded && c.role === "MAIN_EVENT_TIME",
      consentType: c.role === "CONSENT" && !c.excluded ? (c.consentType ?? null) : null,
    })),
  };
}

/** The job without its files: the template of an S3-trigger rule. */
export function templateBody(state: WizardState): TemplateBody {
  const { sourceKeys: _files, ...template } = jobBody(state);
  return template;
}
