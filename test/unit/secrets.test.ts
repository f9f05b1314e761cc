// The secret scanner: every kind found on its line, near misses left alone, files that are credentials by their
// name, binary files skipped, and the windowed scan agreeing with the one-shot scan across window seams.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileScanner, scanFile, scanFileWithTokens, scanText, scanTextWithTokens, type SecretFinding } from '../../src/core/secrets.js';
import { formatToken } from '../../src/core/token-format.js';

function sounioToken(): string {
  for (;;) {
    const made = formatToken(randomBytes(64));
    if (made !== null) return made;
  }
}

const BASE64_BODY = 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun';
const pem = (label: string): string => `-----BEGIN ${label}-----\n${BASE64_BODY}\n${BASE64_BODY}\n-----END ${label}-----\n`;
const AWS_KEY = 'AKIA2E3F4G5H6J7K8L9M';
const GITHUB = (prefix: string): string => `${prefix}_${'aB3dE6gH9j'.repeat(3)}123456`;
const GITHUB_PAT = `github_pat_11ABCDEFG0${'x_Y9'.repeat(18)}`;
const SLACK_BOT = 'xoxb-263594206564-2343594206564-FGqddMF8t08v8N7Oq4i57vs1';
const SLACK_USER = 'xoxp-263594206564-263594206564-263594206564-8e4b1c2d3a5f6e7d8c9b0a1f2e3d4c5b';
const SLACK_WEBHOOK = 'https://hooks.slack.com/services/T024BE7LD/B01234567/aBcDeFgHiJkLmNoPqRsTuVwX';

/** The text with `secret` on line 3, surrounded by ordinary content. */
function onLine3(secret: string): string {
  return `first line\nsecond = 2\nvalue = "${secret}"\nlast line\n`;
}

function kinds(findings: SecretFinding[]): string[] {
  return findings.map((finding) => `${finding.kind}@${finding.line}`);
}

describe('scanText finds', () => {
  const cases: Array<[string, string, SecretFinding['kind']]> = [
    ['an AWS access key id', AWS_KEY, 'aws_access_key'],
    ['an AWS temporary key id', `ASIA${'Y'.repeat(16)}`, 'aws_access_key'],
    ...(['ghp', 'gho', 'ghu', 'ghs', 'ghr'].map((prefix) => [`a GitHub ${prefix}_ token`, GITHUB(prefix), 'github_token']) as Array<
      [string, string, 'github_token']
    >),
    ['a GitHub fine-grained token', GITHUB_PAT, 'github_token'],
    ['a Slack bot token', SLACK_BOT, 'slack_token'],
    ['a Slack user token', SLACK_USER, 'slack_token'],
    ['a Slack refresh token', `xoxe.xoxp-1-${'Mi0yLTM0'.repeat(8)}`, 'slack_token'],
    ['a Slack webhook', SLACK_WEBHOOK, 'slack_webhook'],
    ['a sounio token', sounioToken(), 'sounio_token'],
  ];

  it.each(cases)('%s, on its line', (_, secret, kind) => {
    const findings = scanText('src/config.sn', onLine3(secret));
    expect(findings).toEqual([{ path: 'src/config.sn', line: 3, kind }]);
    expect(JSON.stringify(findings)).not.toContain(secret);
  });

  it.each(['RSA PRIVATE KEY', 'EC PRIVATE KEY', 'DSA PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'PRIVATE KEY', 'PGP PRIVATE KEY BLOCK'])(
    'a %s, at its BEGIN line',
    (label) => {
      expect(scanText('k', `# key\n\n${pem(label)}`)).toEqual([{ path: 'k', line: 3, kind: 'private_key' }]);
    },
  );

  it('a legacy encrypted PEM key with its headers', () => {
    const key = `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17F5316E2BAC89\n\n${BASE64_BODY}\n-----END RSA PRIVATE KEY-----\n`;
    expect(kinds(scanText('k', key))).toEqual(['private_key@1']);
  });

  it('a private key inside JSON (escaped newlines) and inside source code (string glue)', () => {
    const json = `{\n  "type": "service_account",\n  "private_key": "-----BEGIN PRIVATE KEY-----\\n${BASE64_BODY}\\n-----END PRIVATE KEY-----\\n"\n}\n`;
    expect(kinds(scanText('sa.json', json))).toEqual(['private_key@3']);
    const code = `let key =\n  "-----BEGIN EC PRIVATE KEY-----\\n" +\n  "${BASE64_BODY}\\n" +\n  "-----END EC PRIVATE KEY-----";\n`;
    expect(kinds(scanText('key.sn', code))).toEqual(['private_key@2']);
  });

  it('several secrets, each on its own line, in line order', () => {
    const text = [`a = "${GITHUB('ghp')}"`, '', `b = "${AWS_KEY}" c = "${SLACK_BOT}"`, pem('RSA PRIVATE KEY')].join('\n');
    expect(kinds(scanText('f', text))).toEqual(['github_token@1', 'aws_access_key@3', 'slack_token@3', 'private_key@4']);
  });

  it('counts lines in CRLF text', () => {
    expect(kinds(scanText('f', `one\r\ntwo\r\n${AWS_KEY}\r\n`))).toEqual(['aws_access_key@3']);
  });
});

describe('scanText leaves alone', () => {
  const token = sounioToken();
  const badChecksum = token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a');
  const nearMisses: Array<[string, string]> = [
    ['a public key', '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEexample0000000000000000000000\n-----END PUBLIC KEY-----\n'],
    ['an RSA public key', '-----BEGIN RSA PUBLIC KEY-----\nMIIBCgKCAQEA+xGZ/wcz9ugFpP07Nspo6U17l0YhFiFpxxU4pTk3Lifz9R3zsIsu\n'],
    ['an OpenSSH public key', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host\n'],
    ['a PEM header with no key after it (a parser)', 'if line == "-----BEGIN RSA PRIVATE KEY-----" {\n  return parse(rest)\n}\n'],
    ['a sounio token with a bad checksum', badChecksum],
    ['a random sounio_-looking string', `sounio_${'A'.repeat(38)}`],
    ['a sounio token one character short', token.slice(0, -1)],
    ['AKIA too short', `AKIA${'X'.repeat(15)}`],
    ['AKIA too long', `AKIA${'X'.repeat(17)}`],
    ['AKIA in lower case', `akia${'x'.repeat(16)}`],
    ['AKIA inside a longer word', `XAKIA${'X'.repeat(16)}`],
    ["AWS's documentation key", 'AKIAIOSFODNN7EXAMPLE'],
    ['a ghp_ token one character short', `ghp_${'a'.repeat(35)}`],
    ['a github_pat_ too short', `github_pat_${'a'.repeat(40)}`],
    ['a Slack placeholder', 'xoxb-your-token-here'],
    ["Slack's documentation webhook", 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX'],
    ['a Slack URL that is not a webhook', 'https://hooks.slack.com/docs'],
  ];

  it.each(nearMisses)('%s', (_, text) => {
    expect(scanTextWithTokens('f', onLine3(text))).toEqual({ findings: [], tokens: [] });
  });
});

describe('scanFile', () => {
  const text = (value: string): Buffer => Buffer.from(value);

  it('flags .env files at any depth, but not the examples', () => {
    for (const path of ['.env', 'config/.env', 'deploy/prod/.env.production', '.env.local', '.ENV']) {
      expect(scanFile(path, text('A=1\n')), path).toEqual([{ path, line: 1, kind: 'env_file' }]);
    }
    for (const path of ['.env.example', 'config/.env.sample', '.env.template', '.envrc', 'env', 'my.env', 'src/environment.sn']) {
      expect(scanFile(path, text('A=1\n')), path).toEqual([]);
    }
  });

  it('flags SSH private keys by name, but not public keys', () => {
    for (const path of ['id_rsa', 'keys/id_dsa', '.ssh/id_ecdsa', 'id_ed25519']) {
      expect(scanFile(path, text('whatever\n')), path).toEqual([{ path, line: 1, kind: 'ssh_private_key' }]);
    }
    expect(kinds(scanFile('id_ed25519', text(pem('OPENSSH PRIVATE KEY'))))).toEqual(['private_key@1', 'ssh_private_key@1']);
    for (const path of ['id_rsa.pub', 'keys/id_ed25519.pub', 'id_rsa_backup.txt']) {
      expect(scanFile(path, text('ssh-rsa AAAAB3NzaC1yc2E user@host\n')), path).toEqual([]);
    }
  });

  it('flags .npmrc files holding credentials, on their line, but not environment references', () => {
    const npmrc = 'registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=npm_abcdef123456\n';
    expect(scanFile('.npmrc', text(npmrc))).toEqual([{ path: '.npmrc', line: 2, kind: 'npm_token' }]);
    expect(kinds(scanFile('sub/.npmrc', text('_auth = dXNlcjpwYXNz\n')))).toEqual(['npm_token@1']);
    expect(kinds(scanFile('.npmrc', text('email=a@b.c\n//host/:_password=c2VjcmV0\n')))).toEqual(['npm_token@2']);
    expect(scanFile('.npmrc', text('//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n'))).toEqual([]);
    expect(scanFile('.npmrc', text('registry=https://example.com/\n# _authToken=old\n'))).toEqual([]);
    expect(scanFile('notes.md', text('_authToken=abc\n'))).toEqual([]);
  });

  it('flags a credentials.toml holding a token, on its line', () => {
    expect(scanFile('.sounio/credentials.toml', text('[registry]\ntoken = "abc"\n'))).toEqual([
      { path: '.sounio/credentials.toml', line: 2, kind: 'credentials_file' },
    ]);
    expect(scanFile('credentials.toml', text('[registry]\nurl = "https://x"\n'))).toEqual([]);
    expect(scanFile('other.toml', text('token = "abc"\n'))).toEqual([]);
  });

  it('flags .pem and .key files holding a private key, not those holding certificates', () => {
    expect(scanFile('tls/server.key', text(pem('PRIVATE KEY')))).toEqual([{ path: 'tls/server.key', line: 1, kind: 'private_key' }]);
    expect(kinds(scanFile('bundle.pem', text(`${pem('CERTIFICATE')}${pem('RSA PRIVATE KEY')}`)))).toEqual(['private_key@5']);
    expect(scanFile('ca.pem', text(pem('CERTIFICATE')))).toEqual([]);
  });

  it('does not text-scan binary files (a NUL in the first 8 KiB), but does scan past a late NUL', () => {
    const secret = Buffer.from(`\n${AWS_KEY}\n`);
    expect(scanFileWithTokens('logo.png', Buffer.concat([Buffer.from([0x89, 0x50, 0, 1]), secret]))).toEqual({
      findings: [],
      tokens: [],
      binary: true,
    });
    const lateNul = Buffer.concat([Buffer.alloc(9000, 0x61), Buffer.from([0]), secret]);
    expect(kinds(scanFile('data.txt', lateNul))).toEqual(['aws_access_key@2']);
    expect(kinds(scanFile('.env', Buffer.from([0, 1, 2])))).toEqual(['env_file@1']); // a name is a name
  });

  it('returns each valid sounio token once, and only the valid ones', () => {
    const first = sounioToken();
    const second = sounioToken();
    const bad = first.slice(0, -1) + (first.endsWith('a') ? 'b' : 'a');
    const scan = scanFileWithTokens('notes.md', text(`${first}\n${bad}\n${second} ${first}\n`));
    expect(scan.tokens).toEqual([first, second]);
    expect(kinds(scan.findings)).toEqual(['sounio_token@1', 'sounio_token@3', 'sounio_token@3']);
  });

  it('caps the findings of a hostile file', () => {
    const many = `${AWS_KEY}\n`.repeat(5000);
    expect(scanFileWithTokens('f', text(many), { maxFindings: 100 }).findings).toHaveLength(100);
  });
});

describe('windowed scanning', () => {
  const secrets = [AWS_KEY, GITHUB('ghs'), GITHUB_PAT, SLACK_USER, SLACK_WEBHOOK, sounioToken(), pem('OPENSSH PRIVATE KEY')];

  function streamed(path: string, body: Buffer, pieces: number[], windowChars: number): SecretFinding[] {
    const scanner = new FileScanner(path, { windowChars });
    let offset = 0;
    for (const size of pieces) {
      scanner.write(body.subarray(offset, offset + size));
      offset += size;
    }
    scanner.write(body.subarray(offset));
    return scanner.end().findings;
  }

  it('finds what the one-shot scan finds, across window seams and arbitrary pieces', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ filler: fc.integer({ min: 0, max: 3000 }), secret: fc.integer({ min: 0, max: secrets.length - 1 }), newlines: fc.nat(3) }), {
          minLength: 1,
          maxLength: 25,
        }),
        fc.array(fc.integer({ min: 1, max: 5000 }), { maxLength: 30 }),
        (parts, pieces) => {
          let body = '';
          for (const part of parts) body += 'é-'.repeat(part.filler >> 1) + '\n'.repeat(part.newlines) + ` ${secrets[part.secret]!} `;
          const expected = scanText('f.txt', body);
          expect(expected.length).toBeGreaterThanOrEqual(parts.length);
          expect(streamed('f.txt', Buffer.from(body), pieces, 8192)).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('finds a secret in a file of several megabytes with the default window', () => {
    const body = Buffer.from(`${'lorem ipsum dolor sit amet\n'.repeat(150_000)}${SLACK_BOT}\n`);
    expect(kinds(scanFile('big.txt', body))).toEqual(['slack_token@150001']);
    expect(kinds(streamed('big.txt', body, Array.from({ length: 100 }, () => 65_536), 1 << 20))).toEqual(['slack_token@150001']);
  });
});
