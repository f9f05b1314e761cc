// What PostgreSQL's English text search configuration makes of one ASCII word (to_tsvector('english', word)), in
// JavaScript, so the search index can read a query word it has not seen without a query: a stop word gives nothing,
// a word with a digit is kept as it is (the parser calls it numword or int, which the configuration sends to the
// simple dictionary), any other word gives its Snowball English (Porter2) stem.
//
// The search index checks this against the database on the words of the corpus when it is built, and asks the
// database instead if the two ever disagree (search-index-sync.ts); a unit test compares them on a word list.

/** PostgreSQL's english.stop. */
const STOP_WORDS = new Set(
  (
    'i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself it its ' +
    'itself they them their theirs themselves what which who whom this that these those am is are was were be been being ' +
    'have has had having do does did doing a an the and but if or because as until while of at by for with about against ' +
    'between into through during before after above below to from up down in out on off over under again further then once ' +
    'here there when where why how all any both each few more most other some such no nor not only own same so than too ' +
    'very s t can will just don should now'
  ).split(' '),
);

const EXCEPTIONS: Record<string, string> = {
  skis: 'ski',
  skies: 'sky',
  dying: 'die',
  lying: 'lie',
  tying: 'tie',
  idly: 'idl',
  gently: 'gentl',
  ugly: 'ugli',
  early: 'earli',
  only: 'onli',
  singly: 'singl',
  sky: 'sky',
  news: 'news',
  howe: 'howe',
  atlas: 'atlas',
  cosmos: 'cosmos',
  bias: 'bias',
  andes: 'andes',
};
const EXCEPTIONS_AFTER_1A = new Set(['inning', 'outing', 'canning', 'herring', 'earring', 'proceed', 'exceed', 'succeed']);
/** Prefixes that end R1 (the first three) or both R1 and R2 (the others), as Snowball's English stemmer has them. */
const R1_PREFIXES = ['gener', 'commun', 'arsen', 'past'];
const R1_R2_PREFIXES = ['univers', 'later', 'emerg', 'organ'];

const isVowel = (c: string | undefined): boolean => c === 'a' || c === 'e' || c === 'i' || c === 'o' || c === 'u' || c === 'y';

/** The English lexemes of an ASCII word of lower-case letters and digits, as to_tsvector('english', word) has them. */
export function englishLexemes(word: string): string[] {
  if (/[0-9]/.test(word)) return [word];
  if (STOP_WORDS.has(word)) return [];
  return [porter2(word)];
}

/** The Snowball English stemmer, for lower-case ASCII letters. */
export function porter2(input: string): string {
  if (input.length < 3) return input;
  const exception = EXCEPTIONS[input];
  if (exception !== undefined) return exception;

  // Prelude: a y at the start or after a vowel is a consonant, written Y.
  const w = input.split('');
  for (let i = 0; i < w.length; i++) if (w[i] === 'y' && (i === 0 || isVowel(w[i - 1]))) w[i] = 'Y';
  let word = w.join('');

  // Regions: R1 after the first non-vowel that follows a vowel (or after one of a few prefixes), R2 likewise in R1.
  const regionAfter = (from: number): number => {
    for (let i = Math.max(from, 0) + 1; i < word.length; i++) if (!isVowel(word[i]) && isVowel(word[i - 1])) return i + 1;
    return word.length;
  };
  const prefix = R1_PREFIXES.find((p) => word.startsWith(p));
  const both = R1_R2_PREFIXES.find((p) => word.startsWith(p));
  const p1 = both !== undefined ? both.length : prefix !== undefined ? prefix.length : regionAfter(0);
  const p2 = both !== undefined ? both.length : regionAfter(p1);
  const inR1 = (suffixLength: number) => word.length - suffixLength >= p1;
  const inR2 = (suffixLength: number) => word.length - suffixLength >= p2;
  const ends = (suffix: string) => word.endsWith(suffix);
  const cut = (suffixLength: number, add = '') => {
    word = word.slice(0, word.length - suffixLength) + add;
  };
  const longest = (suffixes: string[]): string | undefined => {
    let best: string | undefined;
    for (const suffix of suffixes) if (ends(suffix) && (best === undefined || suffix.length > best.length)) best = suffix;
    return best;
  };
  /** A short syllable ending at `end` (exclusive). */
  const shortSyllableAt = (end: number): boolean => {
    const c = word[end - 1];
    const v = word[end - 2];
    if (end === 2) return isVowel(v) && !isVowel(c);
    const b = word[end - 3];
    return end >= 3 && !isVowel(c) && c !== 'w' && c !== 'x' && c !== 'Y' && isVowel(v) && !isVowel(b);
  };
  const hasVowel = (end: number): boolean => {
    for (let i = 0; i < end; i++) if (isVowel(word[i])) return true;
    return false;
  };

  // Step 1a.
  const s1a = longest(['sses', 'ied', 'ies', 's', 'us', 'ss']);
  if (s1a === 'sses') cut(2);
  else if (s1a === 'ied' || s1a === 'ies') cut(3, word.length > 4 ? 'i' : 'ie');
  else if (s1a === 's') {
    // Delete if a vowel comes before the letter before the s.
    if (hasVowel(word.length - 2)) cut(1);
  }
  if (EXCEPTIONS_AFTER_1A.has(word)) return word;

  // Step 1b.
  const s1b = longest(['eed', 'eedly', 'ed', 'edly', 'ing', 'ingly']);
  if (s1b === 'eed' || s1b === 'eedly') {
    if (inR1(s1b.length)) cut(s1b.length, 'ee');
  } else if (s1b !== undefined && hasVowel(word.length - s1b.length)) {
    cut(s1b.length);
    if (ends('at') || ends('bl') || ends('iz')) word += 'e';
    else if (['bb', 'dd', 'ff', 'gg', 'mm', 'nn', 'pp', 'rr', 'tt'].some((d) => ends(d))) {
      // Undoubled, except right after an initial a, e or o (`added` is add, `egged` egg).
      if (!(word.length === 3 && 'aeo'.includes(word[0]!))) cut(1);
    }
    else if (word.length === p1 && shortSyllableAt(word.length)) word += 'e';
  }

  // Step 1c: a final y after a non-vowel that is not the first letter becomes i.
  if ((ends('y') || ends('Y')) && word.length > 2 && !isVowel(word[word.length - 2])) cut(1, 'i');

  // Step 2.
  const step2: Record<string, string> = {
    tional: 'tion', enci: 'ence', anci: 'ance', abli: 'able', entli: 'ent', izer: 'ize', ization: 'ize', ational: 'ate', ation: 'ate',
    ator: 'ate', alism: 'al', aliti: 'al', alli: 'al', fulness: 'ful', ousli: 'ous', ousness: 'ous', iveness: 'ive', iviti: 'ive',
    biliti: 'ble', bli: 'ble', ogi: 'og', fulli: 'ful', lessli: 'less', li: '',
  };
  const s2 = longest(Object.keys(step2));
  if (s2 !== undefined && inR1(s2.length)) {
    if (s2 === 'ogi') {
      if (word[word.length - 4] === 'l') cut(3, 'og');
    } else if (s2 === 'li') {
      if ('cdeghkmnrt'.includes(word[word.length - 3] ?? '_')) cut(2);
    } else cut(s2.length, step2[s2]);
  }

  // Step 3.
  const step3: Record<string, string> = { tional: 'tion', ational: 'ate', alize: 'al', icate: 'ic', iciti: 'ic', ical: 'ic', ful: '', ness: '', ative: '' };
  const s3 = longest(Object.keys(step3));
  if (s3 !== undefined && inR1(s3.length)) {
    if (s3 === 'ative') {
      if (inR2(5)) cut(5);
    } else cut(s3.length, step3[s3]);
  }

  // Step 4.
  const s4 = longest(['al', 'ance', 'ence', 'er', 'ic', 'able', 'ible', 'ant', 'ement', 'ment', 'ent', 'ism', 'ate', 'iti', 'ous', 'ive', 'ize', 'ion']);
  if (s4 !== undefined && inR2(s4.length)) {
    if (s4 === 'ion') {
      const before = word[word.length - 4];
      if (before === 's' || before === 't') cut(3);
    } else cut(s4.length);
  }

  // Step 5.
  if (ends('e')) {
    if (inR2(1) || (inR1(1) && !shortSyllableAt(word.length - 1))) cut(1);
  } else if (ends('l') && inR2(1) && word[word.length - 2] === 'l') cut(1);

  return word.replace(/Y/g, 'y');
}
