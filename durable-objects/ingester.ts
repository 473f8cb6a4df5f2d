import { DurableObject } from "cloudflare:workers";
export class Ingester extends DurableObject {
  async ping(): Promise<string> { return "pong"; }
}
