/** Runs the decode bench's cases inside workerd (see decode.ts). */
import { formatDecodeRows, runDecodeCases } from "./decode-cases";

export default {
  fetch(request: Request): Response {
    const path = new URL(request.url).pathname;
    if (path === "/ready") return new Response("ready");
    if (path === "/run") return new Response(formatDecodeRows(runDecodeCases(), "workerd"));
    return new Response("not found", { status: 404 });
  },
};
