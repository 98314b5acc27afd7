/** Protocol ids spoken on the Layr network. Changing one splits the network: bump with care. */

/** kad-dht on its own protocol, so Layr peers never mix with the public IPFS DHT. */
export const DHT_PROTOCOL = '/layr/kad/1.0.0'

/** A plain echo, mounted only by tests and diagnostics to measure a direct connection. */
export const TEST_ECHO_PROTOCOL = '/layr/test-echo/1.0.0'
