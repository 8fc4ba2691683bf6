{
  "targets": [
    {
      "target_name": "exec_server_native",
      "sources": ["native/addon.c", "native/spawn.c", "native/output.c", "native/terminal.c", "native/base64.c", "native/descriptors.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [["OS!='linux'", {"type": "none", "sources!": ["native/addon.c", "native/spawn.c", "native/output.c", "native/terminal.c", "native/base64.c", "native/descriptors.c"]}]]
    },
    {
      "target_name": "exec-server-cgroup-join",
      "type": "executable",
      "sources": ["native/cgroup-join.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-O2"],
      "conditions": [["OS!='linux'", {"type": "none", "sources!": ["native/cgroup-join.c"]}]]
    },
    {
      "target_name": "exec-server-holder",
      "type": "executable",
      "sources": ["native/holder.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-O2"],
      "conditions": [["OS!='linux'", {"type": "none", "sources!": ["native/holder.c"]}]]
    }
  ]
}
