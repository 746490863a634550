import { describe, expect, it } from "vitest";
import { clientBaseUrl, ConfigError, parseRuntimeConfig } from "../src/config";
import { defaultDescription, formatBytes, formatOfKey, formatPercent, lastSegment } from "../src/lib/format";
import { largeFileCommands, shellQuote } from "../src/lib/staging";

describe("format helpers", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1536, "1.5 KB"],
    [5 * 1024 * 1024, "5.0 MB"],
    [300 * 1024 * 1024, "300 MB"],
  ])("formatBytes(%i)", (n, text) => expect(formatBytes(n)).toBe(text));

  it("formats shares, descriptions and key names", () => {
    expect(formatPercent(0.25)).toBe("25%");
    expect(formatPercent(0)).toBe("0%");
    expect(formatPercent(0.0004)).toBe("<0.1%");
    expect(formatPercent(0.031)).toBe("3.1%");
    expect(defaultDescription("purchase_date")).toBe("Purchase date");
    expect(defaultDescription("e-mail.address")).toBe("E mail address");
    expect(lastSegment("a/b/c.csv")).toBe("c.csv");
  });

  it.each([
    ["in/a.csv", "CSV"],
    ["in/a.CSV.gz", "CSV"],
    ["a.jsonl", "JSONL"],
    ["a.json.gz", "JSONL"],
    ["a.ndjson", "JSONL"],
    ["a.parquet", "PARQUET"],
    ["a.txt", null],
    ["noext", null],
  ])("formatOfKey(%s)", (key, format) => expect(formatOfKey(key)).toBe(format));
});

describe("runtime config", () => {
  it("reads the local stack's config and fills defaults", () => {
    const c = parseRuntimeConfig({ apiBaseUrl: "http://127.0.0.1:8080", authMode: "local", dataBucket: "d" }, "http://127.0.0.1:8080");
    expect(c).toMatchObject({ authMode: "local", dataBucket: "d", redirectUri: "http://127.0.0.1:8080/" });
    expect(parseRuntimeConfig({}, "https://x").apiBaseUrl).toBe("https://x");
  });

  it("rejects unusable configs with a message", () => {
    expect(() => parseRuntimeConfig([], "https://x")).toThrow(ConfigError);
    expect(() => parseRuntimeConfig({ authMode: "saml" }, "https://x")).toThrow('authMode must be "local" or "cognito"');
    expect(() => parseRuntimeConfig({ authMode: "cognito" }, "https://x")).toThrow("cognito mode needs userPoolClientId, hostedUiDomain");
  });

  it.each([
    ["https://d.cloudfront.net", "https://d.cloudfront.net"],
    ["https://d.cloudfront.net/", "https://d.cloudfront.net"],
    ["https://x.execute-api.us-east-1.amazonaws.com/api/", "https://x.execute-api.us-east-1.amazonaws.com"],
    ["", ""],
  ])("clientBaseUrl(%s)", (base, expected) => expect(clientBaseUrl(base)).toBe(expected));
});

describe("large files", () => {
  it("gives the exact copy command into the current folder and a CLI run with the artifact bucket", () => {
    const c = largeFileCommands({ fileName: "customers 2024.csv", bucket: "amc-data", prefix: "incoming/", artifactBucket: "amc-artifacts", country: "US" });
    expect(c.copy).toBe("aws s3 cp 'customers 2024.csv' s3://amc-data/incoming/");
    expect(c.run).toBe("amc-uploader run --input 'customers 2024.csv' --country US --pii COLUMN=TYPE --dataset-id DATASET_ID --instance INSTANCE_ID --output s3://amc-artifacts");
    expect(largeFileCommands({ fileName: "a.csv", bucket: "b", prefix: "", artifactBucket: "x", country: "" }).run).not.toContain("--country");
  });

  it("quotes for the shell only when needed", () => {
    expect(shellQuote("a-b_c.csv")).toBe("a-b_c.csv");
    expect(shellQuote("it's.csv")).toBe("'it'\\''s.csv'");
  });
});
