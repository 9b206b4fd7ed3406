/** Who asks for an image, as the registry needs to know: the request's bearer token, passed on to the Butler server. */
import type { Context } from "koa";
import type { Caller } from "./registry.js";

export function callerOf(ctx: Context): Caller {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get("authorization"));
  return m ? { token: m[1]! } : {};
}
