/*
 * lib/mof/parser.c: the parser's shared steps (tokens, errors, warnings), the top level of a MOF
 * file (DSP0221's mofProduction: compiler directives, qualifier declarations, classes, instances)
 * and the pragmas, #pragma include among them: an included file is read and parsed where it is
 * included, relative to the including file, within the depth limit and never while it is already
 * being read (a cycle).
 */
#include <stdio.h>

#include "mof/mof_int.h"

bool wbemev__mof_fail_at(wbemev__mof_parser *p, const wbemev__mof_pos *at, wbemev_status s, const char *fmt,
                         ...)
{
    if (!p->failed) {
        va_list ap;
        va_start(ap, fmt);
        wbemev__mof_diag_fill(p->err, s, at, fmt, ap);
        va_end(ap);
        p->failed = true;
    }
    return false;
}

bool wbemev__mof_fail(wbemev__mof_parser *p, wbemev_status s, const char *fmt, ...)
{
    if (!p->failed) {
        va_list ap;
        va_start(ap, fmt);
        wbemev__mof_diag_fill(p->err, s, &p->tok.pos, fmt, ap);
        va_end(ap);
        p->failed = true;
    }
    return false;
}

void wbemev__mof_warn(wbemev__mof_parser *p, const wbemev__mof_pos *at, const char *fmt, ...)
{
    if (p->opts == NULL || p->opts->warn == NULL)
        return;
    wbemev_mof_diagnostic w;
    va_list ap;
    va_start(ap, fmt);
    wbemev__mof_diag_fill(&w, WBEMEV_S_NO_ERROR, at, fmt, ap);
    va_end(ap);
    p->opts->warn(p->opts->warn_ctx, &w);
}

bool wbemev__mof_advance(wbemev__mof_parser *p)
{
    if (!wbemev__mof_lexer_next(p->lx, &p->tok)) {
        p->failed = true;
        return false;
    }
    return true;
}

bool wbemev__mof_is_punct(const wbemev__mof_parser *p, char c)
{
    return p->tok.kind == WBEMEV__MOF_TK_PUNCT && p->tok.punct == c;
}

bool wbemev__mof_is_word(const wbemev__mof_parser *p, const char *word)
{
    if (p->tok.kind != WBEMEV__MOF_TK_IDENT || strlen(word) != p->tok.len)
        return false;
    for (size_t i = 0; i < p->tok.len; i++) {
        char a = p->tok.start[i], b = word[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a + 32);
        if (b >= 'A' && b <= 'Z')
            b = (char)(b + 32);
        if (a != b)
            return false;
    }
    return true;
}

/* What the current token is, for messages: "';'", "identifier 'x'", "end of file". */
static const char *token_kind_name(const wbemev__mof_token *t)
{
    switch (t->kind) {
    case WBEMEV__MOF_TK_EOF: return "the end of the file";
    case WBEMEV__MOF_TK_IDENT: return "a name";
    case WBEMEV__MOF_TK_INT: return "an integer";
    case WBEMEV__MOF_TK_REAL: return "a real number";
    case WBEMEV__MOF_TK_STRING: return "a string";
    case WBEMEV__MOF_TK_CHAR: return "a char16 literal";
    case WBEMEV__MOF_TK_ALIAS: return "an alias";
    case WBEMEV__MOF_TK_PRAGMA: return "#pragma";
    case WBEMEV__MOF_TK_PUNCT: break;
    }
    return "punctuation";
}

bool wbemev__mof_expect(wbemev__mof_parser *p, char c, const char *after)
{
    if (wbemev__mof_is_punct(p, c))
        return wbemev__mof_advance(p);
    if (p->tok.kind == WBEMEV__MOF_TK_PUNCT)
        return wbemev__mof_fail(p, WBEMEV_E_INVALID_SYNTAX, "expected '%c' %s, found '%c'", c, after, p->tok.punct);
    if (p->tok.kind == WBEMEV__MOF_TK_IDENT)
        return wbemev__mof_fail(p, WBEMEV_E_INVALID_SYNTAX, "expected '%c' %s, found '%.*s'", c, after,
                                (int)(p->tok.len > 64 ? 64 : p->tok.len), p->tok.start);
    return wbemev__mof_fail(p, WBEMEV_E_INVALID_SYNTAX, "expected '%c' %s, found %s", c, after,
                            token_kind_name(&p->tok));
}

/* The current token's text, copied into the document, when it is of `kind`; then the next token. */
static char *take_token(wbemev__mof_parser *p, wbemev__mof_tk kind, const char *what)
{
    if (p->tok.kind != kind) {
        wbemev__mof_fail(p, WBEMEV_E_INVALID_SYNTAX, "expected %s, found %s", what, token_kind_name(&p->tok));
        return NULL;
    }
    char *s = wbemev__mof_strndup(&p->doc->arena, p->tok.start, p->tok.len);
    if (s == NULL) {
        wbemev__mof_fail(p, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
        return NULL;
    }
    return wbemev__mof_advance(p) ? s : NULL;
}

char *wbemev__mof_take_ident(wbemev__mof_parser *p, const char *what)
{
    return take_token(p, WBEMEV__MOF_TK_IDENT, what);
}

char *wbemev__mof_take_string(wbemev__mof_parser *p, const char *what)
{
    return take_token(p, WBEMEV__MOF_TK_STRING, what);
}

/* "\\\\.\\root\\cimv2" names root\cimv2 on the local machine: the machine part goes. A name that
 * does not start with "\\" or "//" is relative to the current namespace, as in mofcomp. */
static char *namespace_from_pragma(wbemev__mof_parser *p, const char *arg)
{
    const char *s = arg;
    if ((s[0] == '\\' && s[1] == '\\') || (s[0] == '/' && s[1] == '/')) {
        s += 2;
        while (*s != 0 && *s != '\\' && *s != '/')
            s++;
        while (*s == '\\' || *s == '/')
            s++;
        return wbemev__mof_strndup(&p->doc->arena, s, strlen(s));
    }
    if (p->namespace_name == NULL || *p->namespace_name == 0)
        return wbemev__mof_strndup(&p->doc->arena, s, strlen(s));
    size_t a = strlen(p->namespace_name), b = strlen(s);
    char *joined = wbemev__mof_alloc(&p->doc->arena, a + b + 2);
    if (joined != NULL) {
        memcpy(joined, p->namespace_name, a);
        joined[a] = '\\';
        memcpy(joined + a + 1, s, b);
    }
    return joined;
}

static bool parse_include(wbemev__mof_parser *p, const char *target, const wbemev__mof_pos *at)
{
    if (p->include_depth >= p->max_include_depth)
        return wbemev__mof_fail_at(p, at, WBEMEV_E_QUOTA_VIOLATION, "includes nested more than %u deep",
                                   p->max_include_depth);
    char *path = wbemev__mof_path_join(p->lx->src->name[0] == '<' ? NULL : p->lx->src->name, target);
    if (path == NULL)
        return wbemev__mof_fail_at(p, at, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
    for (unsigned i = 0; i <= p->include_depth; i++) {
        if (p->include_stack[i] != NULL && strcmp(p->include_stack[i], path) == 0) {
            wbemev__mof_fail_at(p, at, WBEMEV_MOF_E_ERROR_INVALID_INCLUDE_FILE,
                                "include cycle: '%s' is already being read", path);
            wbemev__free(path);
            return false;
        }
    }
    size_t room = p->max_total_bytes - p->total_bytes;
    wbemev__mof_source *src = NULL;
    const char *why = "";
    wbemev_status s = wbemev__mof_source_read(path, room < p->max_file_bytes ? room : p->max_file_bytes, &src, &why);
    if (WBEMEV_FAILED(s)) {
        wbemev__mof_fail_at(p, at, s, "cannot include '%s': %s", path, why);
        wbemev__free(path);
        return false;
    }
    wbemev__free(path);
    src->next = p->sources;
    p->sources = src;
    p->include_depth++;
    wbemev__mof_lexer *outer = p->lx;
    wbemev__mof_token outer_tok = p->tok;
    s = wbemev__mof_parse_source(p, src);
    p->lx = outer;
    p->tok = outer_tok;
    p->include_depth--;
    return WBEMEV_SUCCEEDED(s);
}

/* `( "arg" [, more] )` after a pragma name: *first receives the first string argument. */
static bool parse_pragma_args(wbemev__mof_parser *p, char **first)
{
    *first = NULL;
    if (!wbemev__mof_is_punct(p, '('))
        return true;
    if (!wbemev__mof_advance(p))
        return false;
    while (!wbemev__mof_is_punct(p, ')')) {
        if (p->tok.kind == WBEMEV__MOF_TK_STRING && *first == NULL) {
            if ((*first = wbemev__mof_take_string(p, "a pragma argument")) == NULL)
                return false;
        } else if (p->tok.kind == WBEMEV__MOF_TK_STRING || p->tok.kind == WBEMEV__MOF_TK_IDENT ||
                   p->tok.kind == WBEMEV__MOF_TK_INT) {
            if (!wbemev__mof_advance(p))
                return false;
        } else {
            return wbemev__mof_fail(p, WBEMEV_E_INVALID_SYNTAX, "expected a string in the pragma's arguments");
        }
        /* deleteclass("X", NOFAIL), classflags("forceupdate", "updateonly"); also '|' is not a token */
        if (wbemev__mof_is_punct(p, ',') && !wbemev__mof_advance(p))
            return false;
    }
    return wbemev__mof_advance(p);
}

static const char *const known_pragmas[] = {"namespace", "include", "autorecover", "locale", "classflags",
                                            "instanceflags", "deleteclass", "deleteinstance", "source",
                                            "nonlocal", "nonlocaltype", NULL};

static bool parse_pragma(wbemev__mof_parser *p)
{
    wbemev__mof_pos at = p->tok.pos;
    if (!wbemev__mof_advance(p))
        return false;
    wbemev__mof_pos name_at = p->tok.pos;
    char *name = wbemev__mof_take_ident(p, "a pragma name");
    char *arg = NULL;
    if (name == NULL || !parse_pragma_args(p, &arg))
        return false;
    wbemev_mof_pragma *pr = wbemev__mof_vec_push(&p->doc->arena, &p->doc->pragmas, sizeof *pr);
    if (pr == NULL)
        return wbemev__mof_fail_at(p, &at, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
    pr->name = name;
    pr->argument = arg;
    pr->file = p->file_name;
    pr->line = at.line;
    bool known = false;
    for (size_t i = 0; known_pragmas[i] != NULL; i++)
        known = known || wbemev__strcaseeq(name, known_pragmas[i]);
    if (!known)
        wbemev__mof_warn(p, &name_at, "unknown pragma '%s' (kept, not applied)", name);
    if (wbemev__strcaseeq(name, "include") || wbemev__strcaseeq(name, "namespace")) {
        if (arg == NULL)
            return wbemev__mof_fail_at(p, &name_at, WBEMEV_MOF_E_INVALID_PRAGMA, "#pragma %s needs a string", name);
        if (wbemev__strcaseeq(name, "include"))
            return parse_include(p, arg, &name_at);
        p->namespace_name = namespace_from_pragma(p, arg);
        if (p->namespace_name == NULL)
            return wbemev__mof_fail_at(p, &at, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
    }
    return true;
}

/* One production: a pragma, `[quals] class`, `[quals] instance of`, or `qualifier`. */
static bool parse_production(wbemev__mof_parser *p)
{
    if (p->tok.kind == WBEMEV__MOF_TK_PRAGMA)
        return parse_pragma(p);
    if (wbemev__mof_is_word(p, "qualifier"))
        return wbemev__mof_parse_qualifier_decl(p);
    wbemev__mof_quals quals = {0};
    if (!wbemev__mof_parse_qualifier_list(p, &quals))
        return false;
    if (wbemev__mof_is_word(p, "class"))
        return wbemev__mof_parse_class(p, &quals);
    if (wbemev__mof_is_word(p, "instance"))
        return wbemev__mof_parse_instance(p, &quals, false);
    if (wbemev__mof_is_word(p, "typedef"))
        return wbemev__mof_fail(p, WBEMEV_MOF_E_TYPEDEF_NOT_SUPPORTED, "typedef is not supported");
    if (p->tok.kind == WBEMEV__MOF_TK_IDENT)
        return wbemev__mof_fail(p, WBEMEV_E_INVALID_SYNTAX,
                                "expected 'class', 'instance of', 'qualifier' or #pragma, found '%.*s'",
                                (int)(p->tok.len > 64 ? 64 : p->tok.len), p->tok.start);
    return wbemev__mof_fail(p, WBEMEV_E_INVALID_SYNTAX,
                            "expected 'class', 'instance of', 'qualifier' or #pragma");
}

wbemev_status wbemev__mof_parse_source(wbemev__mof_parser *p, wbemev__mof_source *src)
{
    if (src->length > p->max_total_bytes - p->total_bytes) {
        wbemev__mof_pos at = {src->name, NULL, NULL, 0, 0};
        wbemev__mof_fail_at(p, &at, WBEMEV_E_QUOTA_VIOLATION, "the files read exceed the total size limit");
        return p->err->status;
    }
    p->total_bytes += src->length;
    p->include_stack[p->include_depth] = src->name;
    const char *outer_name = p->file_name;
    p->file_name = wbemev__mof_strndup(&p->doc->arena, src->name, strlen(src->name));
    if (p->file_name == NULL) {
        wbemev__mof_pos at = {src->name, NULL, NULL, 0, 0};
        wbemev__mof_fail_at(p, &at, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
        return p->err->status;
    }
    wbemev__mof_lexer lx;
    wbemev__mof_lexer_init(&lx, src, p->err);
    p->lx = &lx;
    bool ok = wbemev__mof_advance(p);
    while (ok && p->tok.kind != WBEMEV__MOF_TK_EOF)
        ok = parse_production(p);
    wbemev__mof_lexer_fini(&lx);
    p->include_stack[p->include_depth] = NULL;
    p->lx = NULL;
    p->file_name = outer_name;
    return ok ? WBEMEV_S_NO_ERROR : p->err->status;
}
