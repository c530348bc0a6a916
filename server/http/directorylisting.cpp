#include "http/directorylisting.h"

#include <QFile>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>

namespace baton {

namespace {

struct DirCloser
{
    void operator()(DIR *dir) const { ::closedir(dir); }
};

// Whether the symlink `name` in `directory` resolves to the root or to something under it.
bool leadsInside(const QByteArray &directory, const char *name, const QByteArray &root)
{
    const QByteArray path = directory + '/' + name;
    char *resolved = ::realpath(path.constData(), nullptr);
    if (!resolved)
        return false;
    const QByteArray target(resolved);
    std::free(resolved);
    return target == root || (target.startsWith(root) && target.at(root.size()) == '/');
}

// The length of the valid UTF-8 sequence at text[i], or 0 if there is none (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF).
int utf8SequenceLength(const QByteArray &text, qsizetype i)
{
    const auto byte = [&](qsizetype at) { return uchar(text.at(at)); };
    const uchar lead = byte(i);
    int length = 0;
    uchar low = 0x80;
    uchar high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        low = lead == 0xe0 ? 0xa0 : 0x80;
        high = lead == 0xed ? 0x9f : 0xbf;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        low = lead == 0xf0 ? 0x90 : 0x80;
        high = lead == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    if (i + length > text.size())
        return 0;
    if (byte(i + 1) < low || byte(i + 1) > high)
        return 0;
    for (int k = 2; k < length; ++k) {
        if (byte(i + k) < 0x80 || byte(i + k) > 0xbf)
            return 0;
    }
    return length;
}

void appendNumber(QByteArray &out, qint64 value)
{
    char digits[24];
    const auto result = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, result.ptr - digits);
}

void appendTwoDigits(QByteArray &out, int value)
{
    out.append(char('0' + value / 10));
    out.append(char('0' + value % 10));
}

// "2026-12-02 07:49", UTC. By hand rather than with QDateTime or strftime: it is called once
// per entry, 10,000 times for a large directory.
void appendDate(QByteArray &out, qint64 seconds)
{
    const std::time_t time = std::time_t(seconds);
    std::tm parts{};
    if (!::gmtime_r(&time, &parts)) {
        out.append('-');
        return;
    }
    const int year = parts.tm_year + 1900;
    if (year >= 0 && year <= 9999) {
        appendTwoDigits(out, year / 100);
        appendTwoDigits(out, year % 100);
    } else {
        appendNumber(out, year);
    }
    out.append('-');
    appendTwoDigits(out, parts.tm_mon + 1);
    out.append('-');
    appendTwoDigits(out, parts.tm_mday);
    out.append(' ');
    appendTwoDigits(out, parts.tm_hour);
    out.append(':');
    appendTwoDigits(out, parts.tm_min);
}

const char pageStart[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\">\n"
    "<head>\n"
    "<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
    "th,td{padding:.15em 2em .15em 0;text-align:left}"
    "td:nth-child(2){text-align:right;font-variant-numeric:tabular-nums}</style>\n"
    "<title>Index of ";
const char headingStart[] = "</title>\n</head>\n<body>\n<h1>Index of ";
const char tableStart[] =
    "</h1>\n<table>\n"
    "<thead><tr><th>Name</th><th>Size</th><th>Modified (UTC)</th></tr></thead>\n<tbody>\n";
const char parentRow[] = "<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n";
const char pageEnd[] = "</tbody>\n</table>\n</body>\n</html>\n";

// Bytes per row besides the name (markup, size and date), for the estimate in render().
constexpr qsizetype rowOverhead = 96;

} // namespace

bool DirectoryListing::read(const QByteArray &directoryPath, const QByteArray &rootPath)
{
    m_entries.clear();
    m_atRoot = directoryPath == rootPath;
    const std::unique_ptr<DIR, DirCloser> dir(::opendir(directoryPath.constData()));
    if (!dir)
        return false;
    const int fd = ::dirfd(dir.get());
    for (;;) {
        errno = 0;
        const dirent *entry = ::readdir(dir.get());
        if (!entry)
            break;
        const char *name = entry->d_name;
        if (name[0] == '.') // hidden, and "." and ".."
            continue;
        struct stat status;
        bool symlink = entry->d_type == DT_LNK;
        if (entry->d_type == DT_UNKNOWN) { // some file systems do not say; ask
            if (::fstatat(fd, name, &status, AT_SYMLINK_NOFOLLOW) != 0)
                continue;
            symlink = S_ISLNK(status.st_mode);
        }
        // Follows a symlink; fails for a dangling one, or a name removed since readdir.
        if (::fstatat(fd, name, &status, 0) != 0)
            continue;
        const bool isDirectory = S_ISDIR(status.st_mode);
        if (!isDirectory && !S_ISREG(status.st_mode))
            continue;
        if (symlink && !leadsInside(directoryPath, name, rootPath))
            continue;
        m_entries.push_back({QByteArray(name), isDirectory ? 0 : qint64(status.st_size),
                             qint64(status.st_mtim.tv_sec), isDirectory});
    }
    if (errno != 0) { // readdir failed part-way: a partial list would mislead
        m_entries.clear();
        return false;
    }
    std::sort(m_entries.begin(), m_entries.end(), [](const Entry &a, const Entry &b) {
        if (a.directory != b.directory)
            return a.directory;
        return a.name < b.name; // QByteArray compares bytes as unsigned, like memcmp
    });
    return true;
}

QByteArray DirectoryListing::render(const QByteArray &urlPath) const
{
    // One allocation for the usual page: a name takes up to 3 bytes per byte in its href and
    // about 1 in its text. Only names full of escapes ever make the array grow.
    qsizetype estimate = qsizetype(sizeof pageStart + sizeof headingStart + sizeof tableStart +
                                   sizeof parentRow + sizeof pageEnd) +
                         12 * urlPath.size();
    for (const Entry &entry : m_entries)
        estimate += rowOverhead + 4 * entry.name.size();
    QByteArray page;
    page.reserve(estimate);

    page.append(pageStart, sizeof pageStart - 1);
    appendText(page, urlPath);
    page.append(headingStart, sizeof headingStart - 1);
    appendText(page, urlPath);
    page.append(tableStart, sizeof tableStart - 1);
    if (!m_atRoot)
        page.append(parentRow, sizeof parentRow - 1);
    for (const Entry &entry : m_entries) {
        page.append("<tr><td><a href=\"");
        appendHref(page, entry);
        page.append("\">");
        appendText(page, entry.name);
        if (entry.directory)
            page.append('/');
        page.append("</a></td><td>");
        if (entry.directory)
            page.append('-');
        else
            appendNumber(page, entry.size);
        page.append("</td><td>");
        appendDate(page, entry.modified);
        page.append("</td></tr>\n");
    }
    page.append(pageEnd, sizeof pageEnd - 1);
    return page;
}

void DirectoryListing::appendHref(QByteArray &out, const Entry &entry)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const char c : entry.name) {
        const uchar byte = uchar(c);
        if ((byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
            (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' || byte == '_' ||
            byte == '~') {
            out.append(c);
        } else {
            out.append('%');
            out.append(hex[byte >> 4]);
            out.append(hex[byte & 0xf]);
        }
    }
    if (entry.directory)
        out.append('/');
}

void DirectoryListing::appendText(QByteArray &out, const QByteArray &text)
{
    static const char replacement[] = "\xEF\xBF\xBD"; // U+FFFD
    for (qsizetype i = 0; i < text.size();) {
        const char c = text.at(i);
        if (uchar(c) >= 0x80) {
            const int length = utf8SequenceLength(text, i);
            if (length == 0) {
                out.append(replacement, 3);
                ++i;
            } else {
                out.append(text.constData() + i, length);
                i += length;
            }
            continue;
        }
        switch (c) {
        case '\x7f':
            out.append(replacement, 3);
            break;
        case '&':
            out.append("&amp;");
            break;
        case '<':
            out.append("&lt;");
            break;
        case '>':
            out.append("&gt;");
            break;
        case '"':
            out.append("&quot;");
            break;
        case '\'':
            out.append("&#39;");
            break;
        default:
            // Control characters (a newline or an escape in a file name) are not text.
            if (uchar(c) < 0x20)
                out.append(replacement, 3);
            else
                out.append(c);
        }
        ++i;
    }
}

} // namespace baton
