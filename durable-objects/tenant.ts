import { DurableObject } from "cloudflare:workers";
export class Tenant extends DurableObject {}
