/**
 * TAP_RESULT_STORE, TAP_S3_ENDPOINT, TAP_RESULT_URL_LIFETIME and the standard AWS variables
 * (issue 18's names), checked when the configuration is read: a table of settings and what they
 * give, or the message that refuses them (which never repeats a secret).
 */
import { expect } from "chai";
import { configFrom, ConfigError } from "../config.js";
import type { S3ResultStore } from "./result-store-s3.js";
import { openResultStore } from "./result-store-s3.js";
import type { LocalDirResultStore } from "./result-store.js";

/** Every key of `want` has its value in `actual` (objects compared key by key). */
function expectSubset(actual: unknown, want: unknown, path = "resultStore"): void {
  if (want !== null && typeof want === "object") {
    expect(actual, path).to.be.an("object");
    for (const [k, v] of Object.entries(want)) expectSubset((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
  } else {
    expect(actual, path).to.equal(want);
  }
}

const KEYS = { AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI-secret" };

const GOOD: { env: Record<string, string>; want: Record<string, unknown> }[] = [
  { env: {}, want: { location: "local", s3Endpoint: "", urlLifetimeSeconds: 900 } },
  { env: { TAP_RESULT_STORE: "local", TAP_RESULT_URL_LIFETIME: "60" }, want: { location: "local", urlLifetimeSeconds: 60 } },
  {
    env: { TAP_RESULT_STORE: "s3://tap-results", ...KEYS },
    want: { s3: { bucket: "tap-results", prefix: "", region: "us-east-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: KEYS.AWS_SECRET_ACCESS_KEY } } },
  },
  { env: { TAP_RESULT_STORE: "s3://tap-results/", ...KEYS }, want: { s3: { prefix: "" } } },
  { env: { TAP_RESULT_STORE: "s3://tap.results/prod/async", ...KEYS, AWS_REGION: "eu-west-3" }, want: { s3: { bucket: "tap.results", prefix: "prod/async/", region: "eu-west-3" } } },
  { env: { TAP_RESULT_STORE: "s3://b-1/p/", ...KEYS, AWS_SESSION_TOKEN: "tok" }, want: { s3: { prefix: "p/", credentials: { sessionToken: "tok" } } } },
  { env: { TAP_RESULT_STORE: "s3://b-1/p", TAP_S3_ENDPOINT: "http://minio.tap.svc:9000/", ...KEYS }, want: { s3Endpoint: "http://minio.tap.svc:9000" } },
];

const BAD: { env: Record<string, string>; message: RegExp }[] = [
  { env: { TAP_RESULT_STORE: "s3://tap-results" }, message: /needs the bucket's credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/ },
  { env: { TAP_RESULT_STORE: "s3://tap-results", AWS_ACCESS_KEY_ID: "AKID" }, message: /AWS_SECRET_ACCESS_KEY/ },
  { env: { TAP_RESULT_STORE: "/var/results", ...KEYS }, message: /TAP_RESULT_STORE\) must be local or s3:\/\/bucket\/prefix/ },
  { env: { TAP_RESULT_STORE: "s3://Upper/x", ...KEYS }, message: /must be local or s3/ },
  { env: { TAP_RESULT_STORE: "s3://ab", ...KEYS }, message: /must be local or s3/ },
  { env: { TAP_RESULT_STORE: "s3://bucket//x", ...KEYS }, message: /must be local or s3/ },
  { env: { TAP_RESULT_STORE: "s3://bucket/a b", ...KEYS }, message: /must be local or s3/ },
  { env: { TAP_RESULT_STORE: "gs://bucket/x", ...KEYS }, message: /must be local or s3/ },
  { env: { TAP_S3_ENDPOINT: "minio:9000" }, message: /TAP_S3_ENDPOINT\) must be an http\(s\) URL/ },
  { env: { TAP_S3_ENDPOINT: "http://user:pw@minio:9000" }, message: /without credentials/ },
  { env: { TAP_RESULT_URL_LIFETIME: "0" }, message: /TAP_RESULT_URL_LIFETIME/ },
  { env: { TAP_RESULT_URL_LIFETIME: "604801" }, message: /TAP_RESULT_URL_LIFETIME .*an integer from 1 to 604800/ },
];

describe("result store configuration (issue 18: TAP_RESULT_STORE, TAP_S3_ENDPOINT, TAP_RESULT_URL_LIFETIME)", () => {
  for (const c of GOOD) {
    it(`${JSON.stringify(c.env).replace(KEYS.AWS_SECRET_ACCESS_KEY, "…")}`, () => {
      expectSubset(configFrom({}, c.env).resultStore, c.want);
    });
  }
  for (const c of BAD) {
    it(`refused: ${JSON.stringify(c.env).replace(KEYS.AWS_SECRET_ACCESS_KEY, "…")}`, () => {
      let error: Error | undefined;
      try {
        configFrom({}, c.env);
      } catch (e) {
        error = e as Error;
      }
      expect(error).to.be.instanceOf(ConfigError);
      expect(error!.message).to.match(c.message);
      expect(error!.message).not.to.include(KEYS.AWS_SECRET_ACCESS_KEY);
    });
  }

  it("the file's keys: resultStore.location, s3Endpoint, urlLifetimeSeconds", () => {
    const c = configFrom({ resultStore: { location: "s3://b-1/x", s3Endpoint: "https://s3.example.org", urlLifetimeSeconds: 30 } }, KEYS);
    expectSubset(c.resultStore, { location: "s3://b-1/x", s3Endpoint: "https://s3.example.org", urlLifetimeSeconds: 30, s3: { bucket: "b-1", prefix: "x/" } });
  });

  it("TAP and SODA each have their own directory, or their own prefix in the bucket", () => {
    const local = configFrom({ async: { dir: "/tmp/tap-async-x" } }, {});
    expect((openResultStore(local, "tap") as LocalDirResultStore).dir).to.equal("/tmp/tap-async-x/results");
    expect((openResultStore(local, "soda") as LocalDirResultStore).dir).to.equal("/tmp/tap-async-x/soda/results");
    const s3 = configFrom({}, { TAP_RESULT_STORE: "s3://b-1/prod", TAP_S3_ENDPOINT: "http://127.0.0.1:1", ...KEYS });
    expect((openResultStore(s3, "tap") as S3ResultStore).location).to.equal("s3://b-1/prod/tap/");
    expect((openResultStore(s3, "soda") as S3ResultStore).location).to.equal("s3://b-1/prod/soda/");
  });
});
