#!/usr/bin/env -S node --max-semi-space-size=1 --interrupt-budget=49152 --v8-pool-size=1
export {};
//# sourceMappingURL=main.d.ts.map