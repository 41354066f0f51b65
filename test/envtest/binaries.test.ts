// Binary lookup and the missing-binaries error: no real binaries needed, runs everywhere.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  BinaryNotFoundError,
  binaryCandidates,
  defaultCacheDir,
  envtestCacheDir,
  findBinaries,
  startTestCluster,
} from "../../src/envtest/mod.ts";

let root: string;
const dirs: Record<string, string> = {};

async function fakeBinary(dir: string, name: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, name), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), "kubeloop-envtest-lookup-"));
  for (const name of ["explicit", "optdir", "assets", "envdir", "xdg", "path1", "path2", "empty"]) {
    dirs[name] = join(root, name);
    await mkdir(dirs[name]!, { recursive: true });
  }
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

const envOf =
  (vars: Record<string, string>) =>
  (name: string): string | undefined =>
    vars[name];

describe("envtest binary lookup", () => {
  it("lists the candidates in the documented order", () => {
    const list = binaryCandidates(
      "kubeApiserver",
      { kubeApiserver: "/opt/x/kube-apiserver", dir: "/opt/dir" },
      envOf({
        KUBEBUILDER_ASSETS: "/opt/assets",
        KUBELOOP_ENVTEST_DIR: "/opt/kl",
        XDG_CACHE_HOME: "/c",
        HOME: "/h",
        PATH: "/a:/b",
      }),
      ":",
    );
    assert.deepEqual(
      list.map((c) => [c.source, c.path]),
      [
        ["options.binaries.kubeApiserver", "/opt/x/kube-apiserver"],
        ["options.binaries.dir", "/opt/dir/kube-apiserver"],
        ["KUBEBUILDER_ASSETS", "/opt/assets/kube-apiserver"],
        ["KUBELOOP_ENVTEST_DIR", "/opt/kl/bin/kube-apiserver"],
        ["default cache (scripts/envtest/install.sh)", "/c/kubeloop/envtest/bin/kube-apiserver"],
        ["PATH", "/a/kube-apiserver"],
        ["PATH", "/b/kube-apiserver"],
      ],
    );
  });

  it("uses $HOME/.cache when XDG_CACHE_HOME is unset, and KUBELOOP_ENVTEST_DIR for the installer", () => {
    assert.equal(defaultCacheDir(envOf({ HOME: "/home/me/" })), "/home/me/.cache/kubeloop/envtest");
    assert.equal(defaultCacheDir(envOf({})), undefined);
    assert.equal(
      envtestCacheDir(envOf({ HOME: "/home/me", KUBELOOP_ENVTEST_DIR: "/srv/envtest" })),
      "/srv/envtest",
    );
  });

  it("takes each binary from the first place that has it", async () => {
    await fakeBinary(dirs.assets!, "etcd");
    await fakeBinary(dirs.assets!, "kube-apiserver");
    await fakeBinary(dirs.path2!, "etcd");
    await fakeBinary(join(dirs.envdir!, "bin"), "kube-apiserver");
    const env = envOf({
      KUBELOOP_ENVTEST_DIR: dirs.envdir!,
      PATH: [dirs.path1, dirs.path2].join(":"),
    });
    let found = await findBinaries({ env });
    assert.equal(found.etcd.path, join(dirs.path2!, "etcd"));
    assert.equal(found.etcd.source, "PATH");
    assert.equal(found.kubeApiserver.source, "KUBELOOP_ENVTEST_DIR");

    found = await findBinaries({
      env: envOf({ KUBEBUILDER_ASSETS: dirs.assets!, PATH: dirs.path2! }),
    });
    assert.equal(found.etcd.source, "KUBEBUILDER_ASSETS");
    assert.equal(found.kubeApiserver.path, join(dirs.assets!, "kube-apiserver"));

    await fakeBinary(dirs.explicit!, "my-etcd");
    found = await findBinaries({
      binaries: { etcd: join(dirs.explicit!, "my-etcd") },
      env: envOf({ KUBEBUILDER_ASSETS: dirs.assets! }),
    });
    assert.equal(found.etcd.source, "options.binaries.etcd");
    assert.equal(found.kubeApiserver.source, "KUBEBUILDER_ASSETS");
  });

  it("skips files that are not executable", async () => {
    await writeFile(join(dirs.optdir!, "etcd"), "not a program", { mode: 0o644 });
    await fakeBinary(dirs.path1!, "etcd");
    await fakeBinary(dirs.path1!, "kube-apiserver");
    const found = await findBinaries({
      binaries: { dir: dirs.optdir! },
      env: envOf({ PATH: dirs.path1! }),
    });
    assert.equal(found.etcd.source, "PATH");
  });

  it("throws a BinaryNotFoundError that lists where it looked and how to install", async () => {
    const env = envOf({
      KUBEBUILDER_ASSETS: dirs.empty!,
      HOME: dirs.empty!,
      PATH: dirs.empty!,
    });
    const err = await findBinaries({ env }).then(
      () => assert.fail("expected BinaryNotFoundError"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof BinaryNotFoundError);
    assert.deepEqual(err.missing, ["etcd", "kube-apiserver"]);
    assert.match(err.message, /etcd and kube-apiserver not found/);
    assert.ok(err.message.includes(join(dirs.empty!, "etcd")));
    assert.match(err.message, /KUBEBUILDER_ASSETS/);
    assert.match(err.message, /scripts\/envtest\/install\.sh/);
    assert.ok(err.checked.every((c) => !c.found));
  });

  it("startTestCluster fails with the same error before starting anything", async () => {
    const env = envOf({ HOME: dirs.empty!, PATH: dirs.empty! });
    await assert.rejects(
      startTestCluster({ env }),
      (e: unknown) => e instanceof BinaryNotFoundError && e.missing.length === 2,
    );
  });
});
