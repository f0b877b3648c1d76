import { decode, Tokenizer, Type, type Token } from 'cborg';

/**
 * cborg's decoder with two bounds an hcert never comes near but hostile input does: nesting depth
 * (cborg recurses per level, so 20,000 nested arrays cost milliseconds and a stack overflow) and
 * token count (a 64 KiB payload of one-byte items). Both are enforced while tokenising, before
 * any object is built.
 */
export const CBOR_MAX_DEPTH = 16;
export const CBOR_MAX_TOKENS = 2048;

const unwrap = (inner: () => unknown): unknown => inner();
const DECODE_OPTIONS = {
  useMaps: true,
  // COSE_Sign1 (18) and CWT (61) wrap the structure; 0 and 1 are date tags some issuers add.
  tags: { 0: unwrap, 1: unwrap, 18: unwrap, 61: unwrap },
};

class BoundedTokenizer extends Tokenizer {
  /** Items still expected by each open container, innermost last. */
  private readonly open: number[] = [];
  private tokens = 0;

  override next(): Token {
    const token = super.next();
    if (++this.tokens > CBOR_MAX_TOKENS) throw new Error(`more than ${CBOR_MAX_TOKENS} CBOR items`);
    const { open } = this;
    if (token.type === Type.break) {
      open.pop();
    } else {
      if (open.length > 0) open[open.length - 1] = (open.at(-1) as number) - 1;
      const n = token.type === Type.array ? (token.value as number) : token.type === Type.map ? 2 * (token.value as number) : token.type === Type.tag ? 1 : 0;
      if (n > 0) {
        open.push(n);
        if (open.length > CBOR_MAX_DEPTH) throw new Error(`CBOR nested deeper than ${CBOR_MAX_DEPTH}`);
      }
    }
    while (open.length > 0 && open.at(-1) === 0) open.pop();
    return token;
  }
}

export function decodeCbor(bytes: Uint8Array): unknown {
  return decode(bytes, { ...DECODE_OPTIONS, tokenizer: new BoundedTokenizer(bytes, DECODE_OPTIONS) });
}
