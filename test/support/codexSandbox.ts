/** The `sandbox` parameters Codex's CLI sends, for tests that confine as Codex does. */

/** What Codex sends with `-s workspace-write` (/tmp and $TMPDIR writable too). */
export const workspaceWrite = (workspace: string, network: "restricted" | "enabled" = "restricted") => ({
  permissions: {
    type: "managed",
    file_system: {
      type: "restricted",
      entries: [
        { path: { type: "special", value: { kind: "root" } }, access: "read" },
        { path: { type: "special", value: { kind: "project_roots" } }, access: "write" },
        { path: { type: "special", value: { kind: "slash_tmp" } }, access: "write" },
        { path: { type: "special", value: { kind: "tmpdir" } }, access: "write" },
        {
          path: { type: "special", value: { kind: "project_roots", subpath: ".git" } },
          access: "read",
          missing_path_behavior: "skip"
        }
      ]
    },
    network
  },
  cwd: `file://${workspace}`,
  workspaceRoots: [`file://${workspace}`],
  windowsSandboxLevel: "disabled",
  useLegacyLandlock: false
})
