/** The transactions the bench sends: ids carry RUN, so that its keys and rows can be found and removed. */

export const RUN = `bench${process.pid}`;
const CARDS = 20_000;
const MERCHANTS = 5_000;
const CHANNELS = ["pos", "ecom", "atm"];

let seq = 0;
export function transaction(): Record<string, unknown> {
  seq++;
  return {
    transactionId: `${RUN}-${seq}`,
    timestamp: new Date().toISOString(),
    cardId: `${RUN}-card-${(seq * 7919) % CARDS}`,
    merchantId: `${RUN}-m-${(seq * 104_729) % MERCHANTS}`,
    amount: Math.round(((seq * 37) % 50_000) + 100) / 100,
    currency: "EUR",
    merchantCategory: "5411",
    country: "FR",
    channel: CHANNELS[seq % 3],
  };
}
