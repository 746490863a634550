import { describe, expect, it } from "vitest";
import { emptyInstance, filterInstances, instanceErrors, parseInstancesImport } from "../src/lib/instances";

const good = { ...emptyInstance(), instanceId: "amcsandbox01", advertiserId: "ENTITYSANDBOX01", marketplaceId: "ATVPDKIKX0DER", dataUploadAwsAccountId: "123456789012" };

describe("instanceErrors", () => {
  it("accepts a complete instance", () => expect(instanceErrors(good)).toEqual({}));
  it("names every missing or bad field", () => {
    expect(instanceErrors(emptyInstance())).toEqual({
      instanceId: "Enter the AMC instance id.",
      advertiserId: "Enter the advertiser (AMC account) id.",
      marketplaceId: "Enter the marketplace id.",
      dataUploadAwsAccountId: "Enter the data upload AWS account id.",
    });
    expect(instanceErrors({ ...good, dataUploadAwsAccountId: "12345" }).dataUploadAwsAccountId).toBe("An AWS account id is exactly 12 digits.");
    expect(instanceErrors({ ...good, instanceId: "bad id!" }).instanceId).toMatch(/letters, digits/);
    expect(instanceErrors(good, ["amcsandbox01"]).instanceId).toBe("This instance is already registered.");
  });
});

describe("parseInstancesImport", () => {
  it("reads the old app's export", () => {
    const old = [{ instance_id: "amc1", advertiser_id: "ENT1", marketplace_id: "ATVPDKIKX0DER", data_upload_account_id: "123456789012", tags: [{ value: "eu", key: "" }, { value: "prod", key: "" }], tag_list: "eu, prod" }];
    expect(parseInstancesImport(old)).toEqual([{ instanceId: "amc1", name: "", advertiserId: "ENT1", marketplaceId: "ATVPDKIKX0DER", dataUploadAwsAccountId: "123456789012", adsAccountId: "", tags: ["eu", "prod"] }]);
  });
  it("reads our own export ({items: [...]})", () => {
    expect(parseInstancesImport({ items: [{ ...good, tags: ["a"] }] })[0]?.tags).toEqual(["a"]);
  });
  it.each([
    [{}, "Import failed: expected a JSON array of instances."],
    [[1], "Import failed: entry 1 is not an object."],
    [[{ ...good, dataUploadAwsAccountId: "1" }], "Import failed: entry 1 (amcsandbox01): An AWS account id is exactly 12 digits."],
    [[good, good], "Import failed: entry 2 (amcsandbox01): This instance is already registered."],
  ])("rejects %j", (data, message) => expect(() => parseInstancesImport(data)).toThrow(message));
});

describe("filterInstances", () => {
  const items = [
    { instanceId: "amcsandbox01", tags: ["us", "prod"] },
    { instanceId: "amcsandbox02", name: "EU test", tags: ["eu"] },
  ];
  it("filters on id, tags or both", () => {
    expect(filterInstances(items, "02").map((i) => i.instanceId)).toEqual(["amcsandbox02"]);
    expect(filterInstances(items, "eu", "tags").map((i) => i.instanceId)).toEqual(["amcsandbox02"]);
    expect(filterInstances(items, "prod", "id")).toEqual([]);
    expect(filterInstances(items, " ")).toHaveLength(2);
  });
});
