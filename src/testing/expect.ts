/** Awaits `p` and returns the error it rejects with, after checking its stable `name`. */
export async function rejectionOf(p: Promise<unknown>, name: string): Promise<Error> {
  try {
    await p
  } catch (err) {
    if ((err as Error)?.name !== name) {
      throw new Error(`expected ${name}, got ${(err as Error)?.name}: ${(err as Error)?.message}`)
    }
    return err as Error
  }
  throw new Error(`expected ${name}, but it succeeded`)
}
