{
  "targets": [
    {
      "target_name": "exec_server_spawn",
      "sources": ["native/spawn.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [["OS!='linux'", {"type": "none", "sources!": ["native/spawn.c"]}]]
    }
  ]
}
