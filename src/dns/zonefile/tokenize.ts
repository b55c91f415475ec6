/**
 * The lexical layer of RFC 1035 5.1 master files: entries end at a newline unless a "(" is open,
 * ";" starts a comment, double quotes make one token of text with blanks in it, and a backslash escapes
 * the next character (or three digits). An entry that starts with a blank has no owner of its own.
 *
 * Escapes are kept as written in each token's text: whether "\." means a dot inside a label or just a
 * dot depends on the field, which only the record parser knows.
 */
import { invalid } from "../invalid.js";

export interface Token {
  /** The token as written, without quotes, escapes kept. */
  text: string;
  quoted: boolean;
  /** 1-based line the token starts on. */
  line: number;
}

export interface Entry {
  /** 1-based line the entry starts on. */
  line: number;
  /** True when the entry began with a space or tab: it inherits the previous owner. */
  blankOwner: boolean;
  tokens: Token[];
}

function lineError(line: number, problem: string, hint?: string): Error {
  return invalid(`Zone file line ${line}`, problem, hint);
}

/** Split master-file text into entries; a syntax error names its line. */
export function tokenize(text: string): Entry[] {
  const entries: Entry[] = [];
  let line = 1;
  let parenLine = 0; // the line of the open "(", or 0 when none is open
  let entry: Entry | undefined;
  let atLineStart = true;

  const push = (token: Token): void => {
    entry ??= { line: token.line, blankOwner: false, tokens: [] };
    entry.tokens.push(token);
  };
  const endEntry = (): void => {
    if (entry && entry.tokens.length > 0) entries.push(entry);
    entry = undefined;
  };

  for (let i = 0; i < text.length; ) {
    const ch = text[i]!;
    if (atLineStart && parenLine === 0) {
      atLineStart = false;
      if (ch === " " || ch === "\t") {
        entry = { line, blankOwner: true, tokens: [] };
      }
    }
    if (ch === "\n") {
      line++;
      atLineStart = true;
      if (parenLine === 0) endEntry();
      i++;
    } else if (ch === " " || ch === "\t" || ch === "\r") {
      i++;
    } else if (ch === ";") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (ch === "(") {
      if (parenLine !== 0) throw lineError(line, `a "(" inside the "(" opened on line ${parenLine}`);
      parenLine = line;
      entry ??= { line, blankOwner: false, tokens: [] };
      i++;
    } else if (ch === ")") {
      if (parenLine === 0) throw lineError(line, 'a ")" without a "(" before it');
      parenLine = 0;
      i++;
    } else if (ch === '"') {
      const start = line;
      let j = i + 1;
      let raw = "";
      for (;;) {
        if (j >= text.length || text[j] === "\n") {
          throw lineError(start, "a quoted string is not closed on its line", 'Close it with "');
        }
        if (text[j] === "\\") {
          if (j + 1 >= text.length || text[j + 1] === "\n")
            throw lineError(start, "a backslash ends the line");
          raw += text.slice(j, j + 2);
          j += 2;
          continue;
        }
        if (text[j] === '"') break;
        raw += text[j];
        j++;
      }
      push({ text: raw, quoted: true, line: start });
      i = j + 1;
    } else {
      let j = i;
      let raw = "";
      while (j < text.length && !/[\s;()"]/.test(text[j]!)) {
        if (text[j] === "\\") {
          if (j + 1 >= text.length || text[j + 1] === "\n")
            throw lineError(line, "a backslash ends the line");
          raw += text.slice(j, j + 2);
          j += 2;
        } else {
          raw += text[j];
          j++;
        }
      }
      push({ text: raw, quoted: false, line });
      i = j;
    }
  }
  if (parenLine !== 0) throw lineError(parenLine, 'this "(" is never closed', 'Add the matching ")"');
  endEntry();
  return entries;
}

/** The tokens of one line of record data, e.g. a provider's "10 mail.example.com.". */
export function tokenizeData(text: string, what: string): Token[] {
  if (text.includes("\n")) throw invalid(what, "record data may not span lines");
  try {
    return tokenize(` ${text}`)[0]?.tokens ?? [];
  } catch (err) {
    throw invalid(what, `cannot read the record data ${JSON.stringify(text)}: ${(err as Error).message}`);
  }
}
