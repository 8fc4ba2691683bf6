/**
 * How the page writes sizes and times for a person: without the DOM, so
 * that a unit test runs them as the page does.
 */

const BYTE_UNITS = ["KiB", "MiB", "GiB", "TiB", "PiB"]

/** Bytes in powers of 1024, one decimal from KiB on: `512 B`, `12.3 MiB`, `1.0 GiB` (never `1024.0 MiB`). */
export const formatBytes = (bytes: number): string => {
  if (bytes < 1024) return `${Math.max(0, Math.round(bytes))} B`
  let value = bytes / 1024
  let unit = 0
  // Rounded to one decimal as written: 1023.96 KiB is 1.0 MiB.
  while (Math.round(value * 10) >= 1024 * 10 && unit < BYTE_UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(1)} ${BYTE_UNITS[unit]}`
}

/** A duration of CPU time: `0.03 s`, `1.24 s` under a minute (hundredths), then `2m 05s`, then `3h 07m`. */
export const formatCpuTime = (ms: number): string => {
  const hundredths = Math.max(0, Math.round(ms / 10))
  if (hundredths < 6000) return `${(hundredths / 100).toFixed(2)} s`
  const seconds = Math.round(ms / 1000)
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, "0")}s`
  const minutes = Math.round(seconds / 60)
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`
}

/** What the page shows for a figure the server could not measure. */
export const UNMEASURED = "—"
