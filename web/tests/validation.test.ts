import { describe, expect, it } from "vitest";
import {
  awsAccountIdError,
  datasetIdError,
  lwaClientIdError,
  lwaClientSecretError,
  requiredError,
  splitTags,
} from "../src/lib/validation";

describe("datasetIdError", () => {
  it.each([
    ["purchases_2024", null],
    ["ab", null],
    ["a_1", null],
  ])("accepts %s", (id, expected) => {
    expect(datasetIdError(id)).toBe(expected);
  });

  it.each([
    ["", "Enter a dataset id."],
    ["a", "Use at least 2 characters."],
    ["Purchases", "Use lowercase letters only: AMC dataset ids are lowercase."],
    ["my data", "Spaces are not allowed; use an underscore instead."],
    ["1abc", "Start the dataset id with a lowercase letter."],
    ["_abc", "Start the dataset id with a lowercase letter."],
    ["ab-c", "Use only lowercase letters, digits and underscores."],
    ["ab.c", "Use only lowercase letters, digits and underscores."],
    [" abc", "The dataset id cannot start or end with spaces."],
    ["a".repeat(129), "Use at most 128 characters."],
  ])("rejects %j", (id, message) => {
    expect(datasetIdError(id)).toBe(message);
  });

  it("rejects an id that exists in the first selected instance", () => {
    expect(datasetIdError("sales", ["other", "sales"])).toMatch(/already exists/);
    expect(datasetIdError("sales2", ["other", "sales"])).toBeNull();
  });
});

describe("LwA credentials", () => {
  it.each(["amzn1.application-oa2-client.0123abcd", "sandbox-secret", "A.b-9"])("accepts %s", (v) => {
    expect(lwaClientIdError(v)).toBeNull();
    expect(lwaClientSecretError(v)).toBeNull();
  });
  it.each(["has space", "semi;colon", "slash/", "unicodé", "under_score"])("rejects %s", (v) => {
    expect(lwaClientIdError(v)).toBe("Client ID must contain only letters, numbers, dashes, and periods.");
    expect(lwaClientSecretError(v)).toBe("Client Secret must contain only letters, numbers, dashes, and periods.");
  });
  it("requires both", () => {
    expect(lwaClientIdError("")).toBe("Enter the client id.");
    expect(lwaClientSecretError("")).toBe("Enter the client secret.");
  });
});

describe("awsAccountIdError", () => {
  it.each(["123456789012", " 210987654321 "])("accepts %j", (v) => expect(awsAccountIdError(v)).toBeNull());
  it.each(["12345678901", "1234567890123", "12345678901a", "1234-5678-9012"])("rejects %s", (v) =>
    expect(awsAccountIdError(v)).toBe("An AWS account id is exactly 12 digits."),
  );
  it("requires a value", () => expect(awsAccountIdError("  ")).toMatch(/Enter/));
});

describe("helpers", () => {
  it("requiredError names the field", () => {
    expect(requiredError(" ", "instance id")).toBe("Enter the instance id.");
    expect(requiredError("x", "instance id")).toBeNull();
  });
  it("splitTags splits on spaces and commas and drops duplicates", () => {
    expect(splitTags(" eu, prod  prod,,test ")).toEqual(["eu", "prod", "test"]);
    expect(splitTags("")).toEqual([]);
  });
});
