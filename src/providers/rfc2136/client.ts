/**
 * One server, one optional TSIG key: sends a message, checks the answer (id, QR, opcode, TSIG) and turns
 * failures into typed errors. Zone transfers come back whole, so a caller never sees half a zone.
 */
import { randomInt } from "node:crypto";
import { AuthError, ProviderError } from "../../core/errors.js";
import { CLASS_IN, OPCODE_QUERY, RCODE, TYPE_AXFR, TYPE_CODES, TYPE_TSIG } from "./constants.js";
import { dnsError } from "./errors.js";
import { type ExchangeOptions, type Server, tcpExchange, UDP_MAX, udpExchange } from "./exchange.js";
import { signRequest, type TsigKey, TsigVerifier, TsigVerifyError } from "./tsig.js";
import {
  type DecodedMessage,
  type DecodedRecord,
  type DnsMessage,
  decodeMessage,
  encodeMessage,
  FLAG_QR,
  FLAG_TC,
  flagsFor,
  opcodeOf,
  rcodeOf,
  WireFormatError,
} from "./wire.js";

export interface ClientOptions {
  server: Server;
  key: TsigKey | undefined;
  timeoutMs: number;
  udpAttempts: number;
  /** Send everything over TCP (e.g. through a firewall that drops DNS over UDP). */
  tcpOnly: boolean;
  provider: string;
}

/** A record of a transfer with the message it came in, whose bytes its compressed names point into. */
export interface TransferredRecord {
  rr: DecodedRecord;
  message: Buffer;
}

export class DnsClient {
  readonly where: string;

  constructor(readonly options: ClientOptions) {
    this.where = `${options.server.host}:${options.server.port}`;
  }

  private exchangeOptions(signal: AbortSignal | undefined): ExchangeOptions {
    return {
      timeoutMs: this.options.timeoutMs,
      udpAttempts: this.options.udpAttempts,
      signal,
      provider: this.options.provider,
    };
  }

  private prepare(message: DnsMessage): { wire: Buffer; verifier: TsigVerifier | undefined } {
    const encoded = encodeMessage(message);
    const key = this.options.key;
    if (!key) return { wire: encoded, verifier: undefined };
    const signed = signRequest(encoded, key);
    return { wire: signed.wire, verifier: new TsigVerifier(key, signed.mac) };
  }

  /** Read and check one answer; returns it with the server's TSIG error (0 if none). */
  private accept(
    raw: Buffer,
    request: DnsMessage,
    verifier: TsigVerifier | undefined,
    what: string,
  ): { msg: DecodedMessage; tsigError: number } {
    let msg: DecodedMessage;
    try {
      msg = decodeMessage(raw);
    } catch (err) {
      throw new ProviderError(
        `${what}: the answer from ${this.where} is not a DNS message: ${(err as Error).message}`,
        {
          provider: this.options.provider,
          cause: err,
        },
      );
    }
    if (
      msg.id !== request.id ||
      (msg.flags & FLAG_QR) === 0 ||
      opcodeOf(msg.flags) !== opcodeOf(request.flags)
    ) {
      throw new ProviderError(
        `${what}: ${this.where} answered with a message that is not the answer to ours`,
        {
          provider: this.options.provider,
        },
      );
    }
    if (!verifier) return { msg, tsigError: 0 };
    try {
      return { msg, tsigError: verifier.verify(msg) };
    } catch (err) {
      if (!(err instanceof TsigVerifyError)) throw err;
      // An error answer to a request the server would not verify may come unsigned; its rcode says more.
      if (rcodeOf(msg.flags) !== RCODE.NOERROR && !msg.additional.some((r) => r.type === TYPE_TSIG)) {
        return { msg, tsigError: 0 };
      }
      throw new AuthError(`${what}: the answer from ${this.where} fails TSIG: ${err.message}`, {
        provider: this.options.provider,
        code: `TSIG/${err.tsigError}`,
        cause: err,
      });
    }
  }

  /**
   * Send one message and return the checked answer. A non-NOERROR rcode is raised as a typed error.
   * UDP first when the message fits 512 octets; TCP when it does not, or when the answer was truncated.
   */
  async send(message: DnsMessage, what: string, signal?: AbortSignal): Promise<DecodedMessage> {
    const { msg, tsigError } = await this.sendRaw(message, what, signal);
    this.check(msg, tsigError, what);
    return msg;
  }

  /** `send` without raising on the rcode, for callers that read it themselves. */
  async sendRaw(
    message: DnsMessage,
    what: string,
    signal?: AbortSignal,
  ): Promise<{ msg: DecodedMessage; tsigError: number }> {
    const { wire, verifier } = this.prepare(message);
    const o = this.exchangeOptions(signal);
    if (!this.options.tcpOnly && wire.length <= UDP_MAX) {
      const raw = await udpExchange(this.options.server, wire, o);
      if ((raw.readUInt16BE(2) & FLAG_TC) === 0) return this.accept(raw, message, verifier, what);
      // Truncated: ask again over TCP with a fresh signature (the time and MAC chain start anew).
      return this.sendTcp(message, what, signal);
    }
    return this.sendTcp(message, what, signal);
  }

  private async sendTcp(
    message: DnsMessage,
    what: string,
    signal: AbortSignal | undefined,
  ): Promise<{ msg: DecodedMessage; tsigError: number }> {
    const { wire, verifier } = this.prepare(message);
    let answer: { msg: DecodedMessage; tsigError: number } | undefined;
    await tcpExchange(this.options.server, wire, this.exchangeOptions(signal), (raw) => {
      answer = this.accept(raw, message, verifier, what);
      return true;
    });
    return answer!;
  }

  check(msg: DecodedMessage, tsigError: number, what: string): void {
    const rcode = rcodeOf(msg.flags);
    if (rcode === RCODE.NOERROR && tsigError === 0) return;
    throw dnsError({
      what,
      rcode,
      tsigError,
      signed: this.options.key !== undefined,
      provider: this.options.provider,
      server: this.where,
    });
  }

  /** A plain query (signed when there is a key), answered as is: the caller reads the rcode. */
  async query(
    name: string,
    type: keyof typeof TYPE_CODES,
    signal?: AbortSignal,
  ): Promise<{ msg: DecodedMessage; tsigError: number }> {
    const message: DnsMessage = {
      id: randomInt(0, 0x10000),
      flags: flagsFor(OPCODE_QUERY),
      question: [{ name, type: TYPE_CODES[type], class: CLASS_IN }],
      answer: [],
      authority: [],
      additional: [],
    };
    return this.sendRaw(message, `${type} query for ${name}`, signal);
  }

  /**
   * AXFR (RFC 5936): every record of the zone, from the opening SOA to the closing one (which is not
   * returned again). Each message is checked, and with a key the whole chain of TSIG MACs.
   */
  async transfer(zone: string, signal?: AbortSignal): Promise<TransferredRecord[]> {
    const what = `Zone transfer (AXFR) of ${zone}`;
    const request: DnsMessage = {
      id: randomInt(0, 0x10000),
      flags: flagsFor(OPCODE_QUERY),
      question: [{ name: zone, type: TYPE_AXFR, class: CLASS_IN }],
      answer: [],
      authority: [],
      additional: [],
    };
    const { wire, verifier } = this.prepare(request);
    const records: TransferredRecord[] = [];
    let soaSeen = 0;
    await tcpExchange(this.options.server, wire, this.exchangeOptions(signal), (raw) => {
      const { msg, tsigError } = this.accept(raw, request, verifier, what);
      this.check(msg, tsigError, what);
      for (const rr of msg.answer) {
        if (rr.type === TYPE_CODES.SOA && rr.name === zone) {
          soaSeen++;
          // RFC 5936 2.2: the transfer ends with the zone's SOA again.
          if (soaSeen === 2) return true;
        } else if (soaSeen === 0) {
          throw new WireFormatError(`${what}: the first record is not the zone's SOA`);
        }
        records.push({ rr, message: msg.raw });
      }
      return false;
    }).catch((err: unknown) => {
      if (err instanceof WireFormatError) {
        throw new ProviderError(err.message, { provider: this.options.provider, cause: err });
      }
      throw err;
    });
    try {
      verifier?.finish();
    } catch (err) {
      throw new AuthError(`${what}: ${(err as Error).message}`, {
        provider: this.options.provider,
        cause: err,
      });
    }
    return records;
  }
}
