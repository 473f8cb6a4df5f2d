import type { Env } from "../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends import("../src/env").Env {}
  }
}
declare module "cloudflare:test" {
  interface ProvidedEnv extends Env {}
}
