/** What a session remembers of the credentials it masked. */

/** The session's dummies, by provider and real value: the same credential keeps its dummy from one process to the next. */
export class DummyMemory {
  private readonly dummies = new Map<string, string>()
  constructor(private readonly limit: number = 1024) {}
  get(provider: string, real: string): string | undefined {
    return this.dummies.get(`${provider}\0${real}`)
  }
  set(provider: string, real: string, dummy: string): void {
    const key = `${provider}\0${real}`
    this.dummies.delete(key)
    this.dummies.set(key, dummy)
    // The oldest go first; a forgotten one only means a new dummy next time.
    if (this.dummies.size > this.limit) this.dummies.delete(this.dummies.keys().next().value!)
  }
}
