// libFuzzer harness for the static-file path and header code: request-path normalisation and
// loading below a real root (FileLoader), Accept-Encoding weights, Range, the directory listing's
// href and text escaping, and If-Match/If-None-Match lists. The first byte picks the target, the
// rest is its field(s). See fuzz/README.md for the input layout and the invariants.
#include "http/acceptencoding.h"
#include "http/byterange.h"
#include "http/directorylisting.h"
#include "http/entitytag.h"
#include "http/fileloader.h"

#include <QByteArray>
#include <QByteArrayList>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

using namespace baton;

#define FUZZ_CHECK(condition)                                                                      \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(stderr, "fuzz_staticpath: invariant violated at line %d: %s\n", __LINE__, \
                         #condition);                                                              \
            std::abort();                                                                          \
        }                                                                                          \
    } while (false)

enum Target : uint8_t {
    NormalizePath,
    Load,
    AcceptEncodingWeight,
    Range,
    ListingEscapes,
    EntityTagList,
    targetCount,
};

// What the symlinks in the root point at; no answer may ever carry it.
constexpr char secret[] = "SECRET-OUTSIDE-THE-ROOT";

bool isHex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return c - 'A' + 10;
}

bool isUnreserved(uchar c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

// Everything but the unreserved bytes and '/' percent-encoded.
QByteArray encodePath(const QByteArray &path)
{
    static const char hex[] = "0123456789ABCDEF";
    QByteArray out;
    for (const char c : path) {
        if (isUnreserved(uchar(c)) || c == '/') {
            out.append(c);
        } else {
            out.append('%');
            out.append(hex[uchar(c) >> 4]);
            out.append(hex[uchar(c) & 0xf]);
        }
    }
    return out;
}

// An independent model of normalizePath: refuse a raw backslash or NUL, an encoded '/', '\'
// or NUL, and a '%' not followed by two hex digits; decode %HH once; resolve "." and ".."
// segments, refusing a climb above the root.
std::optional<QByteArray> referenceNormalize(QByteArrayView encoded)
{
    if (!encoded.startsWith('/'))
        return std::nullopt;
    if (encoded.contains('\\') || encoded.contains('\0'))
        return std::nullopt;
    const QByteArray lower = encoded.toByteArray().toLower();
    if (lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00"))
        return std::nullopt;
    QByteArray decoded;
    for (qsizetype i = 0; i < encoded.size(); ++i) {
        const char c = encoded[i];
        if (c != '%') {
            decoded.append(c);
        } else if (i + 2 < encoded.size() && isHex(encoded[i + 1]) && isHex(encoded[i + 2])) {
            decoded.append(char(hexValue(encoded[i + 1]) * 16 + hexValue(encoded[i + 2])));
            i += 2;
        } else {
            return std::nullopt; // "%p0" would otherwise spell NUL past the checks above
        }
    }
    std::vector<QByteArray> stack;
    qsizetype start = 1;
    for (;;) {
        const qsizetype slash = decoded.indexOf('/', start);
        const bool last = slash < 0;
        const QByteArray segment = decoded.mid(start, last ? -1 : slash - start);
        if (segment == "..") {
            if (stack.empty())
                return std::nullopt;
            stack.pop_back();
            if (last)
                stack.emplace_back();
        } else if (segment == ".") {
            if (last)
                stack.emplace_back();
        } else {
            stack.push_back(segment);
        }
        if (last)
            break;
        start = slash + 1;
    }
    QByteArray out;
    for (const QByteArray &segment : stack)
        out.append('/').append(segment);
    return out.isEmpty() ? QByteArray("/") : out;
}

void checkNormalizedShape(const QByteArray &path)
{
    FUZZ_CHECK(path.startsWith('/'));
    FUZZ_CHECK(!path.contains("/../") && !path.contains("/./"));
    FUZZ_CHECK(!path.endsWith("/..") && !path.endsWith("/."));
    FUZZ_CHECK(!path.contains('\0'));
    FUZZ_CHECK(!path.contains('\\'));
}

std::optional<QByteArray> checkNormalizePath(QByteArrayView input)
{
    const std::optional<QByteArray> path = FileLoader::normalizePath(input);
    const QByteArray lower = input.toByteArray().toLower();
    if (lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00") ||
        input.contains('\\') || input.contains('\0'))
        FUZZ_CHECK(!path);
    FUZZ_CHECK(path == referenceNormalize(input));
    if (!path)
        return path;
    checkNormalizedShape(*path);
    // Normalising is idempotent: the result, encoded again, names itself.
    const std::optional<QByteArray> again = FileLoader::normalizePath(encodePath(*path));
    FUZZ_CHECK(again && *again == *path);
    return path;
}

// A small fixed tree, made once:
//   base/root/a.txt, a.txt.gz, a.txt.br -> base/outside/secret.txt, caf\xE9.txt,
//   sub/index.html, sub/c.css, empty/, link-in -> a.txt, link-out -> base/outside/secret.txt,
//   dir-out -> base/outside (which has an index.html), fifo
//   base/outside/secret.txt, base/outside/index.html (both the secret)
struct Tree
{
    std::filesystem::path base;
    std::unique_ptr<FileLoader> loader;
    QByteArray root; // canonical
};

Tree *tree = nullptr;

void writeFile(const std::filesystem::path &path, const char *content)
{
    FILE *out = std::fopen(path.c_str(), "wb");
    FUZZ_CHECK(out);
    std::fputs(content, out);
    std::fclose(out);
}

void removeTree()
{
    if (tree) {
        std::error_code ignored;
        std::filesystem::remove_all(tree->base, ignored);
    }
}

void makeTree()
{
    std::string pattern =
        (std::filesystem::temp_directory_path() / "baton-fuzz-staticpath-XXXXXX").string();
    FUZZ_CHECK(::mkdtemp(pattern.data()));
    tree = new Tree;
    tree->base = pattern;
    const auto root = tree->base / "root";
    const auto outside = tree->base / "outside";
    std::filesystem::create_directories(root / "sub");
    std::filesystem::create_directories(root / "empty");
    std::filesystem::create_directories(outside);
    writeFile(outside / "secret.txt", secret);
    writeFile(outside / "index.html", secret);
    writeFile(root / "a.txt", "alpha\n");
    writeFile(root / "a.txt.gz", "gzip of alpha\n");
    writeFile(root / "caf\xE9.txt", "latin-1 name\n");
    writeFile(root / "sub" / "index.html", "<p>sub</p>\n");
    writeFile(root / "sub" / "c.css", "p{}\n");
    std::filesystem::create_symlink("a.txt", root / "link-in");
    std::filesystem::create_symlink(outside / "secret.txt", root / "link-out");
    std::filesystem::create_symlink(outside / "secret.txt", root / "a.txt.br");
    std::filesystem::create_symlink(outside, root / "dir-out");
    FUZZ_CHECK(::mkfifo((root / "fifo").c_str(), 0600) == 0);

    FileLoader::Settings settings;
    settings.precompressed = true;
    tree->loader = std::make_unique<FileLoader>(QString::fromStdString(root.string()), settings);
    FUZZ_CHECK(tree->loader->isValid());
    tree->root = tree->loader->root();
    FUZZ_CHECK(!tree->root.isEmpty() && !tree->root.endsWith('/'));
    std::atexit(removeTree);
}

bool below(const QByteArray &path, const QByteArray &root)
{
    return path.size() > root.size() + 1 && path.startsWith(root) && path.at(root.size()) == '/';
}

void checkFileEntry(const FileEntry &entry)
{
    FUZZ_CHECK(entry.status == 200 && !entry.path.isEmpty());
    FUZZ_CHECK(below(entry.path, tree->root));
    FUZZ_CHECK(entry.inMemory && !entry.body.contains(secret));
}

void checkEntry(const FileEntry &entry)
{
    switch (entry.kind) {
    case FileEntry::Kind::File:
        checkFileEntry(entry);
        for (const auto &variant : {entry.gzip, entry.brotli}) {
            if (variant) {
                FUZZ_CHECK(variant->kind == FileEntry::Kind::File);
                checkFileEntry(*variant);
            }
        }
        break;
    case FileEntry::Kind::Redirect:
        FUZZ_CHECK(entry.status == 301 && entry.path.isEmpty());
        break;
    case FileEntry::Kind::Directory:
        FUZZ_CHECK(entry.status == 403);
        FUZZ_CHECK(entry.path == tree->root || below(entry.path, tree->root));
        break;
    case FileEntry::Kind::Error:
        FUZZ_CHECK(entry.status == 400 || entry.status == 403 || entry.status == 404);
        FUZZ_CHECK(entry.path.isEmpty() && entry.body.isEmpty());
        break;
    }
    FUZZ_CHECK(entry.kind == FileEntry::Kind::File || !entry.hasVariants());
}

void checkLoad(const QByteArray &input)
{
    const std::optional<QByteArray> path = checkNormalizePath(input);
    const auto first = tree->loader->load(input, nullptr, 0);
    FUZZ_CHECK(first);
    checkEntry(*first);
    if (!path)
        FUZZ_CHECK(first->kind == FileEntry::Kind::Error && first->status == 400);
    // Again with the first answer as the earlier one: nothing changed on disk, so the same.
    const auto second = tree->loader->load(input, first.get(), 1);
    FUZZ_CHECK(second);
    checkEntry(*second);
    FUZZ_CHECK(second->kind == first->kind && second->status == first->status &&
               second->path == first->path && second->body == first->body);
}

void checkAcceptEncoding(const QByteArray &field, const QByteArray &coding)
{
    const AcceptEncoding accept(field);
    QByteArrayList codings = {coding, "gzip", "br", "identity", "*", ""};
    for (const QByteArray &element : field.split(',')) {
        const qsizetype semicolon = element.indexOf(';');
        codings.append((semicolon < 0 ? element : element.left(semicolon)).trimmed());
    }
    for (const QByteArray &name : codings) {
        const int weight = accept.weight(name);
        FUZZ_CHECK(weight >= 0 && weight <= 1000);
        FUZZ_CHECK(accept.accepts(name) == (weight > 0));
    }
}

void checkRange(const QByteArray &field, const QByteArray &sizeText)
{
    std::vector<qint64> sizes = {
        0, 1, 2, 100, 4096, qint64(1) << 40, std::numeric_limits<qint64>::max()};
    bool ok = false;
    const qint64 given = sizeText.toLongLong(&ok);
    if (ok && given >= 0)
        sizes.push_back(given);
    for (const qint64 size : sizes) {
        ByteRange range{-7, -9};
        if (parseRange(field, size, &range) != RangeRequest::Satisfiable)
            continue;
        FUZZ_CHECK(0 <= range.first && range.first <= range.last && range.last < size);
        FUZZ_CHECK(range.length() == range.last - range.first + 1 && range.length() >= 1 &&
                   range.length() <= size);
    }
}

// The length of the valid UTF-8 sequence at text[i] (RFC 3629), 0 if there is none.
int utf8Length(const QByteArray &text, qsizetype i)
{
    const auto at = [&](qsizetype k) { return k < text.size() ? uchar(text[k]) : 0; };
    const uchar lead = at(i);
    if (lead < 0x80)
        return 1;
    int length = 0;
    uint32_t code = 0;
    if (lead >= 0xc0 && lead < 0xe0) {
        length = 2;
        code = lead & 0x1f;
    } else if (lead >= 0xe0 && lead < 0xf0) {
        length = 3;
        code = lead & 0x0f;
    } else if (lead >= 0xf0 && lead < 0xf8) {
        length = 4;
        code = lead & 0x07;
    } else {
        return 0;
    }
    for (int k = 1; k < length; ++k) {
        if ((at(i + k) & 0xc0) != 0x80)
            return 0;
        code = (code << 6) | (at(i + k) & 0x3f);
    }
    static const uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < smallest[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
        return 0;
    return length;
}

void checkListingEscapes(const QByteArray &name)
{
    for (const bool directory : {false, true}) {
        QByteArray href;
        DirectoryListing::appendHref(href, {name, 0, 0, directory});
        QByteArray decoded;
        for (qsizetype i = 0; i < href.size(); ++i) {
            const char c = href[i];
            if (c == '/') {
                FUZZ_CHECK(directory && i + 1 == href.size());
            } else if (c == '%') {
                FUZZ_CHECK(i + 2 < href.size() && isHex(href[i + 1]) && isHex(href[i + 2]));
                decoded.append(char(hexValue(href[i + 1]) * 16 + hexValue(href[i + 2])));
                i += 2;
            } else {
                FUZZ_CHECK(isUnreserved(uchar(c)));
                decoded.append(c);
            }
        }
        FUZZ_CHECK(href.endsWith('/') == directory);
        FUZZ_CHECK(decoded == name);
    }

    QByteArray text("x"); // appends, keeping what was there
    DirectoryListing::appendText(text, name);
    FUZZ_CHECK(text.startsWith('x'));
    static const char *const entities[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
    for (qsizetype i = 0; i < text.size();) {
        const int length = utf8Length(text, i);
        FUZZ_CHECK(length > 0);
        const char c = text[i];
        FUZZ_CHECK(c != '<' && c != '>' && c != '"' && c != '\'');
        if (c == '&') {
            bool entity = false;
            for (const char *e : entities)
                entity = entity || text.mid(i).startsWith(e);
            FUZZ_CHECK(entity);
        }
        i += length;
    }
}

void checkEntityTags(const QByteArray &field, const QByteArray &tag)
{
    const QByteArray own = entitytag::forFile(0x1234, 42, 1700000000123456789);
    for (const auto comparison : {entitytag::Comparison::Strong, entitytag::Comparison::Weak}) {
        const bool any = entitytag::listMatches(field, tag, comparison);
        entitytag::listMatches(field, own, comparison);
        if (field.trimmed() == "*")
            FUZZ_CHECK(any);
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    makeTree();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const Target target = Target(data[0] % targetCount);
    const QByteArray payload(reinterpret_cast<const char *>(data) + 1, qsizetype(size - 1));
    // Targets with two fields split the payload at its first newline.
    const qsizetype newline = payload.indexOf('\n');
    const QByteArray first = newline < 0 ? payload : payload.left(newline);
    const QByteArray second = newline < 0 ? QByteArray() : payload.mid(newline + 1);

    switch (target) {
    case NormalizePath:
        checkNormalizePath(payload);
        break;
    case Load:
        checkLoad(payload);
        break;
    case AcceptEncodingWeight:
        checkAcceptEncoding(first, second);
        break;
    case Range:
        checkRange(first, second);
        break;
    case ListingEscapes:
        checkListingEscapes(payload);
        break;
    case EntityTagList:
        checkEntityTags(first, second);
        break;
    case targetCount:
        break;
    }
    return 0;
}
