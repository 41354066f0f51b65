// Behaviours of newer Kubernetes versions than the real server in `npm test` (v1.20.2). Each case names
// the version it needs; on an older server it asserts what that server does instead, so clients know
// what to fall back from. Streaming lists are in watch.test.ts.
import assert from "node:assert/strict";
import { conformance } from "./support/suite.ts";

const cronJob = (name: string, apiVersion: string) => ({
  apiVersion,
  kind: "CronJob",
  metadata: { name },
  spec: {
    schedule: "*/5 * * * *",
    jobTemplate: {
      spec: {
        template: {
          spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] },
        },
      },
    },
  },
});

await conformance("newer versions", (c) => {
  c.test(
    "CronJobs are served in batch/v1, with their defaults",
    {
      needs: "1.21",
      older: async (t) => {
        const ns = await t.namespace();
        const v1 = await t.post(
          `/apis/batch/v1/namespaces/${ns}/cronjobs`,
          cronJob("c", "batch/v1"),
        );
        assert.equal(v1.status, 404, "batch/v1 has no CronJobs before 1.21");
        const beta = await t.post(
          `/apis/batch/v1beta1/namespaces/${ns}/cronjobs`,
          cronJob("c", "batch/v1beta1"),
        );
        assert.equal(beta.status, 201, beta.text);
        assert.equal(beta.body.spec.concurrencyPolicy, "Allow");
      },
    },
    async (t) => {
      const ns = await t.namespace();
      const r = await t.post(`/apis/batch/v1/namespaces/${ns}/cronjobs`, cronJob("c", "batch/v1"));
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.spec.concurrencyPolicy, "Allow");
      assert.equal(r.body.spec.suspend, false);
      assert.equal(r.body.spec.successfulJobsHistoryLimit, 3);
      assert.equal(r.body.spec.failedJobsHistoryLimit, 1);
      assert.equal(r.body.spec.jobTemplate.spec.template.spec.terminationGracePeriodSeconds, 30);
    },
  );

  c.test(
    "/openapi/v3 lists a document per group version",
    {
      needs: "1.27",
      older: async (t) => {
        const r = await t.get("/openapi/v3");
        assert.equal(r.status, 404);
      },
    },
    async (t) => {
      const r = await t.get("/openapi/v3");
      assert.equal(r.status, 200);
      const apps = r.body.paths["apis/apps/v1"];
      assert.match(apps.serverRelativeURL, /^\/openapi\/v3\/apis\/apps\/v1\?hash=/);
      const doc = await t.get(apps.serverRelativeURL);
      assert.equal(doc.status, 200);
      assert.match(doc.body.openapi, /^3\./);
    },
  );
});
