// Types the `env` of `cloudflare:workers` and `cloudflare:test` with the
// Worker's bindings.
type PromflareEnv = import("../src/env").Env;
declare namespace Cloudflare {
  interface Env extends PromflareEnv {}
}
