import type { ClaimRecord, PaymentStore, StoredOffer } from '../../ports/payment-store.ts'

/** PaymentStore in memory, for unit tests and hosts that keep nothing. */
export class MemoryPaymentStore implements PaymentStore {
  readonly #offers = new Map<string, StoredOffer>()
  readonly #claims: ClaimRecord[] = []

  async putOffer(offer: StoredOffer): Promise<void> {
    this.#offers.set(offer.account, structuredClone(offer))
  }

  async offer(account: string): Promise<StoredOffer | undefined> {
    const o = this.#offers.get(account)
    return o && structuredClone(o)
  }

  async offers(owner?: string): Promise<StoredOffer[]> {
    return [...this.#offers.values()].filter((o) => owner === undefined || o.owner === owner).map((o) => structuredClone(o))
  }

  async deleteOffer(account: string): Promise<void> {
    this.#offers.delete(account)
  }

  async addClaim(claim: ClaimRecord): Promise<void> {
    if (this.#claims.some((c) => c.escrow === claim.escrow && c.window === claim.window)) return
    this.#claims.push({ ...claim })
  }

  async claims(): Promise<ClaimRecord[]> {
    return this.#claims.map((c) => ({ ...c })).sort((a, b) => a.at - b.at)
  }

  async close(): Promise<void> {}
}
