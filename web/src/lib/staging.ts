// Files above the API's upload limit go to the data bucket directly: the commands to do that, built from
// what the files endpoint reports (data bucket, folder, artifact bucket).

/** Quote a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface LargeFileCommands {
  /** Copy the file into the current folder of the data bucket, then select it in step 1. */
  copy: string;
  /** Or hash, stage and upload it from the command line (the columns' PII types and the ids to fill in). */
  run: string;
}

export function largeFileCommands(options: {
  fileName: string;
  bucket: string;
  prefix: string;
  artifactBucket: string;
  country: string;
}): LargeFileCommands {
  const file = shellQuote(options.fileName);
  const copy = `aws s3 cp ${file} ${shellQuote(`s3://${options.bucket}/${options.prefix}`)}`;
  const country = options.country ? ` --country ${options.country}` : "";
  const run = `amc-uploader run --input ${file}${country} --pii COLUMN=TYPE --dataset-id DATASET_ID --instance INSTANCE_ID --output ${shellQuote(`s3://${options.artifactBucket}`)}`;
  return { copy, run };
}
