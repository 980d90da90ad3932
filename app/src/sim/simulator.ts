/**
 * Card-transaction simulator after the Fraud Detection Handbook (Le Borgne et al., ULB and
 * Worldline, "Transaction data simulator"), written from its published description:
 *
 * - customers (cards) and terminals (merchants) are placed uniformly on a 100x100 grid;
 * - a customer has a spending profile: mean amount U(5, 100), std = mean / 2, mean transactions
 *   per day U(0, 4), and uses the terminals within `radius` of its location;
 * - each day a customer makes Poisson(mean per day) transactions at times ~ N(midday, 20000 s)
 *   (those falling outside the day are dropped) with amounts ~ N(mean, std) (a negative draw is
 *   replaced by U(0, 2 * mean)), at a terminal drawn uniformly from its reachable ones;
 * - fraud scenarios: (1) every amount above 220 is fraud; (2) each day some terminals are
 *   compromised for the next 28 days: all their transactions are fraud; (3) each day some
 *   customers are compromised for the next 14 days: a third of their transactions have the
 *   amount multiplied by 5 and are fraud.
 *
 * Not in the Handbook, and off by default: scenario (4), dormant terminals, for data in which the
 * signal is a merchant's *recent* traffic. Each day some terminals go quiet: for 7 days no
 * customer uses them (a customer who would have picked one takes the next terminal it reaches).
 * On the day they reopen, genuine traffic resumes and fraudsters push a few transactions through
 * each (Poisson, mean 3), with random cards at those cards' usual amounts. Those frauds meet a
 * merchant with hardly any transaction in the last 7 days, while its older history, and any fraud
 * label delayed by 7 days, looks like any other merchant's.
 *
 * Differences from the Handbook, on purpose: the simulation runs day by day and streams (memory
 * holds one day, not the whole table), so scenario 3 picks each transaction with probability 1/3
 * instead of sampling exactly a third of the 14-day window; the daily numbers of compromised
 * terminals and customers (2 and 3 in the Handbook for 10,000 terminals and 5,000 customers) scale
 * with the population, so small simulations keep the Handbook's fraud mix. Frauds get a
 * `labelReportedAt` (transaction time plus an exponential report delay, mean 4 days, so about one
 * in six is reported after a 7-day label delay) unless `reportTimes` is false, and terminals get a
 * merchant category, a country and a channel so the data exercises the API's optional fields.
 * `HANDBOOK_SIMULATION` holds the Handbook's own generation parameters.
 *
 * Also off by default, for drift monitoring: `drift` changes the traffic from a given day on
 * (genuine amounts scaled, a share of transactions moved to merchants never seen before, more
 * compromised cards), so tests and demos can check that the PSI and its alert react to it.
 */
import { Prng } from "./prng";
import { type Customer, makeCustomers, makeTerminals } from "./population";
import { DAY_MS } from "../domain/time";

export interface SimulationOptions {
  readonly days: number;
  readonly cards: number;
  readonly merchants: number;
  readonly seed: number;
  /** First simulated day, UTC, `YYYY-MM-DD`. Default 2018-04-01, the Handbook's, so its train/test dates apply. */
  readonly startDate?: string;
  /** Reach of a customer on the grid. Default 5 (the Handbook's). */
  readonly radius?: number;
  /** Expected newly compromised terminals per day. Default 2 per 10,000 terminals. */
  readonly compromisedMerchantsPerDay?: number;
  /** Expected newly compromised cards per day. Default 3 per 5,000 cards. */
  readonly compromisedCardsPerDay?: number;
  /** Mean delay between a fraud and its report. Default 4 days. */
  readonly meanReportDelayDays?: number;
  /**
   * Whether frauds get a `labelReportedAt`. Default true. With false no fraud has one, so a
   * trainer counts every label from the transaction time plus its fixed label delay, as in the
   * Handbook, where all labels are known exactly that delay later.
   */
  readonly reportTimes?: boolean;
  /** Expected terminals going dormant per day (scenario 4, see above). Default 0: none. */
  readonly dormantTerminalsPerDay?: number;
  /** Traffic that changes mid-stream (see SimulatedDrift). Default: none. */
  readonly drift?: SimulatedDrift;
}

/** From day `fromDay` (0-based) on, the traffic differs from what came before in these ways. */
export interface SimulatedDrift {
  readonly fromDay: number;
  /** Every customer's amounts multiplied by this (price rise, a new product). Default 1. */
  readonly amountFactor?: number;
  /**
   * Share of transactions made at a new population of merchants (as many as the original ones,
   * ids after theirs), which have no history when they appear. Default 0.
   */
  readonly newMerchantShare?: number;
  /** Newly compromised cards per day multiplied by this (a card-testing campaign). Default 1. */
  readonly compromisedCardsFactor?: number;
}

/** The Handbook's generation parameters (its chapter 3 data set: about 1.75M transactions). */
export const HANDBOOK_SIMULATION = Object.freeze({
  days: 183,
  cards: 5000,
  merchants: 10_000,
  startDate: "2018-04-01",
  radius: 5,
  compromisedMerchantsPerDay: 2,
  compromisedCardsPerDay: 3,
  reportTimes: false,
}) satisfies Omit<SimulationOptions, "seed">;

/** 0 genuine; 1-3 the Handbook's scenarios; 4 a dormant terminal's fraud. */
export type FraudScenario = 0 | 1 | 2 | 3 | 4;

export interface SimulatedTransaction {
  readonly transactionId: string;
  /** Epoch milliseconds, UTC, whole seconds. */
  readonly timestamp: number;
  readonly cardId: string;
  readonly merchantId: string;
  readonly amount: number;
  readonly label: 0 | 1;
  /** 0 for genuine transactions, else the Handbook scenario that made it fraud (kept out of the CSV). */
  readonly scenario: FraudScenario;
  /** Epoch ms when the fraud was reported; undefined for genuine transactions. */
  readonly labelReportedAt: number | undefined;
  readonly currency: string;
  readonly merchantCategory: string;
  readonly country: string;
  readonly channel: "pos" | "ecom" | "atm";
}

export const DEFAULT_START_DATE = "2018-04-01";
const DAY_S = 86_400;
const TERMINAL_COMPROMISE_DAYS = 28;
const CARD_COMPROMISE_DAYS = 14;
const DORMANT_DAYS = 7;
const FRAUDS_AT_REOPENING = 3;
const LARGE_AMOUNT = 220;

export function validateSimulationOptions(o: SimulationOptions): void {
  const positiveInt = (name: string, v: number): void => {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`simulate: --${name} must be a positive integer, got ${v}`);
  };
  positiveInt("days", o.days);
  positiveInt("cards", o.cards);
  positiveInt("merchants", o.merchants);
  if (!Number.isInteger(o.seed)) throw new Error(`simulate: --seed must be an integer, got ${o.seed}`);
  if (o.dormantTerminalsPerDay !== undefined && !(o.dormantTerminalsPerDay >= 0)) {
    throw new Error(`simulate: dormant terminals per day must be >= 0, got ${o.dormantTerminalsPerDay}`);
  }
  if (o.drift) {
    const d = o.drift;
    if (!Number.isInteger(d.fromDay) || d.fromDay < 0)
      throw new Error(`simulate: drift from day must be an integer >= 0, got ${d.fromDay}`);
    if (d.amountFactor !== undefined && !(d.amountFactor > 0))
      throw new Error(`simulate: drift amount factor must be > 0, got ${d.amountFactor}`);
    if (d.newMerchantShare !== undefined && !(d.newMerchantShare >= 0 && d.newMerchantShare <= 1))
      throw new Error(`simulate: drift new-merchant share must be in [0, 1], got ${d.newMerchantShare}`);
    if (d.compromisedCardsFactor !== undefined && !(d.compromisedCardsFactor >= 0))
      throw new Error(`simulate: drift compromised-cards factor must be >= 0, got ${d.compromisedCardsFactor}`);
  }
  if (o.startDate !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(o.startDate)) {
    throw new Error(`simulate: start date must be YYYY-MM-DD, got ${o.startDate}`);
  }
}

function parseStartDate(startDate: string): number {
  const ms = Date.parse(`${startDate}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new Error(`simulate: invalid start date ${startDate}`);
  return ms;
}

/** An amount from the customer's profile, rounded to cents (a negative normal draw is replaced, as in the Handbook). */
function drawAmount(rng: Prng, customer: Customer): number {
  let amount = rng.normal(customer.meanAmount, customer.stdAmount);
  if (amount < 0) amount = rng.uniform(0, customer.meanAmount * 2);
  return Math.max(0.01, Math.round(amount * 100) / 100);
}

/**
 * The terminal at `pick` in the customer's reach or, when that one is dormant, the next open one
 * (wrapping around); undefined when every reachable terminal is dormant.
 */
function openTerminal(reach: Int32Array, pick: number, reopensOn: Int32Array, day: number): number | undefined {
  for (let k = 0; k < reach.length; k++) {
    const t = reach[(pick + k) % reach.length]!;
    if (reopensOn[t]! <= day) return t;
  }
  return undefined;
}

/**
 * The simulation, one day at a time: each yielded array is one day's transactions in time order
 * (ties by card), with transaction ids increasing through the whole run.
 */
export function* simulateDays(options: SimulationOptions): Generator<SimulatedTransaction[]> {
  validateSimulationOptions(options);
  const start = parseStartDate(options.startDate ?? DEFAULT_START_DATE);
  const radius = options.radius ?? 5;
  // Separate streams: the population, the daily traffic and the fraud draws do not shift each other
  // when one of them changes (e.g. a different compromise rate keeps the same genuine traffic).
  const population = new Prng(options.seed);
  const traffic = new Prng(options.seed ^ 0x5eed_0001);
  const fraud = new Prng(options.seed ^ 0x5eed_0002);
  const dormancy = new Prng(options.seed ^ 0x5eed_0003);
  // its own stream: traffic before the drift starts is the undrifted run's, draw for draw
  const drifting = new Prng(options.seed ^ 0x5eed_0004);
  const drift = options.drift;
  const terminals = makeTerminals(population, options.merchants);
  const newTerminals = drift?.newMerchantShare ? makeTerminals(drifting, options.merchants) : [];
  const customers = makeCustomers(population, options.cards, terminals, radius);
  const terminalsPerDay = options.compromisedMerchantsPerDay ?? (2 * options.merchants) / 10_000;
  const cardsPerDay = options.compromisedCardsPerDay ?? (3 * options.cards) / 5_000;
  const dormantPerDay = options.dormantTerminalsPerDay ?? 0;
  const meanReportDelayS = (options.meanReportDelayDays ?? 4) * DAY_S;
  const reportTimes = options.reportTimes ?? true;
  const terminalCompromisedUntil = new Int32Array(options.merchants).fill(-1);
  const cardCompromisedUntil = new Int32Array(options.cards).fill(-1);
  // The day each terminal reopens after its dormancy (dormant while day < reopensOn).
  const reopensOn = new Int32Array(options.merchants).fill(-1);
  let nextId = 0;

  for (let day = 0; day < options.days; day++) {
    for (const t of fraud.sample(options.merchants, fraud.roundStochastic(terminalsPerDay))) {
      terminalCompromisedUntil[t] = Math.max(terminalCompromisedUntil[t]!, day + TERMINAL_COMPROMISE_DAYS);
    }
    const drifted = drift !== undefined && day >= drift.fromDay;
    const cardsToday = drifted ? cardsPerDay * (drift.compromisedCardsFactor ?? 1) : cardsPerDay;
    for (const c of fraud.sample(options.cards, fraud.roundStochastic(cardsToday))) {
      cardCompromisedUntil[c] = Math.max(cardCompromisedUntil[c]!, day + CARD_COMPROMISE_DAYS);
    }
    if (dormantPerDay > 0) {
      for (const t of dormancy.sample(options.merchants, dormancy.roundStochastic(dormantPerDay))) {
        // a terminal still dormant, or reopening today, keeps its schedule
        if (reopensOn[t]! < day) reopensOn[t] = day + DORMANT_DAYS;
      }
    }
    const dayStart = start + day * DAY_MS;
    const drafts: { second: number; card: number; terminal: number; amount: number; scenario: FraudScenario }[] = [];
    for (let c = 0; c < customers.length; c++) {
      const customer = customers[c]!;
      const n = traffic.poisson(customer.meanPerDay);
      for (let k = 0; k < n; k++) {
        const second = Math.round(traffic.normal(DAY_S / 2, 20_000));
        let amount = drawAmount(traffic, customer);
        const terminalPick = traffic.next();
        if (second <= 0 || second >= DAY_S || customer.terminals.length === 0) continue;
        let terminal = openTerminal(customer.terminals, Math.floor(terminalPick * customer.terminals.length), reopensOn, day);
        if (terminal === undefined) continue;
        if (drifted) {
          amount = Math.max(0.01, Math.round(amount * (drift.amountFactor ?? 1) * 100) / 100);
          if (newTerminals.length > 0 && drifting.next() < (drift.newMerchantShare ?? 0))
            terminal = options.merchants + drifting.int(newTerminals.length);
        }
        let scenario: FraudScenario = 0;
        if (cardCompromisedUntil[c]! > day && fraud.next() < 1 / 3) {
          amount = Math.round(amount * 5 * 100) / 100;
          scenario = 3;
        } else if (terminal < options.merchants && terminalCompromisedUntil[terminal]! > day) {
          scenario = 2;
        } else if (amount > LARGE_AMOUNT) {
          scenario = 1;
        }
        drafts.push({ second, card: c, terminal, amount, scenario });
      }
    }
    if (dormantPerDay > 0) {
      for (let t = 0; t < options.merchants; t++) {
        if (reopensOn[t] !== day) continue;
        for (let k = dormancy.poisson(FRAUDS_AT_REOPENING); k > 0; k--) {
          const card = dormancy.int(customers.length);
          const second = Math.round(dormancy.normal(DAY_S / 2, 20_000));
          const amount = drawAmount(dormancy, customers[card]!);
          if (second > 0 && second < DAY_S) drafts.push({ second, card, terminal: t, amount, scenario: 4 });
        }
      }
    }
    drafts.sort((a, b) => a.second - b.second || a.card - b.card);
    const out: SimulatedTransaction[] = new Array(drafts.length);
    for (let i = 0; i < drafts.length; i++) {
      const d = drafts[i]!;
      const timestamp = dayStart + d.second * 1000;
      const t = d.terminal < options.merchants ? terminals[d.terminal]! : newTerminals[d.terminal - options.merchants]!;
      let labelReportedAt: number | undefined;
      if (d.scenario !== 0) {
        // drawn even when unused: turning report times off then keeps every later fraud draw
        const delayS = Math.max(1, Math.round(fraud.exponential(meanReportDelayS)));
        if (reportTimes) labelReportedAt = timestamp + delayS * 1000;
      }
      out[i] = {
        transactionId: `tx${String(nextId++).padStart(10, "0")}`,
        timestamp,
        cardId: `card${d.card}`,
        merchantId: `m${d.terminal}`,
        amount: d.amount,
        label: d.scenario === 0 ? 0 : 1,
        scenario: d.scenario,
        labelReportedAt,
        currency: "EUR",
        merchantCategory: t.merchantCategory,
        country: t.country,
        channel: t.channel,
      };
    }
    yield out;
  }
}
