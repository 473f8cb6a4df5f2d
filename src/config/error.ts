/**
 * A rejected runtime configuration. The message always starts with the
 * dotted path of the offending field (`overrides.team-a.ingestion_rate: …`)
 * so an operator can find it in a long YAML file.
 */
export class ConfigError extends Error {
  readonly field: string;

  constructor(field: string, problem: string) {
    super(field === "" ? problem : `${field}: ${problem}`);
    this.name = "ConfigError";
    this.field = field;
  }
}
