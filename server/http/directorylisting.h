#pragma once

#include <QByteArray>
#include <QString>

#include <vector>

namespace baton {

// An nginx-like "autoindex" page for one directory under the static root.
//
// The directory is read in one pass with opendir/readdir and fstatat on the directory's own
// descriptor, not with QDir: QDir hands names over as QString, so a name that is not valid
// UTF-8 (Latin-1 "caf\xE9") cannot be named again and silently disappears from its lists. Here
// a name stays the bytes the file system has, and its href percent-encodes those bytes.
//
// What is listed, and why:
// - Directories first, then files, each sorted byte-wise by name (memcmp, as nginx does): the
//   order is the same under every locale and defined for names that are not UTF-8.
// - Names starting with '.' are left out: they are conventionally configuration and version
//   control state (.git, .env, .htpasswd) that a listing should not advertise. They are still
//   served to whoever names them, as before.
// - A symlink is followed: its target's kind, size and date are shown. One that leads outside
//   the root, or nowhere, is left out, since StaticFiles would answer it with 403 or 404 anyway.
// - Only directories and regular files: a FIFO, socket or device would be a 404.
// Sizes are exact byte counts (nginx's default, autoindex_exact_size on); directories show "-".
// Dates are the modification time in UTC, "2026-12-02 07:49".
class DirectoryListing
{
public:
    struct Entry
    {
        QByteArray name; // as the file system has it, not necessarily UTF-8
        qint64 size = 0;
        qint64 modified = 0; // seconds since the epoch
        bool directory = false;
    };

    // Reads `directory`, which must be `root` or lie under it; both canonical paths. False (and
    // no entries) when it cannot be opened.
    bool read(const QByteArray &directory, const QByteArray &root);

    // Sorted as described above.
    const std::vector<Entry> &entries() const { return m_entries; }
    // Whether the directory read is the root itself: its page has no "../" link.
    bool atRoot() const { return m_atRoot; }

    // The HTML page (UTF-8) for the directory as reached at `urlPath`, the decoded request path
    // ending in '/', shown escaped in the title and heading.
    QByteArray render(const QByteArray &urlPath) const;

    // The href of an entry: every byte but the unreserved ones percent-encoded, so the name can
    // never end the attribute, start a query or fragment, or read as a scheme ("a:b"), and a
    // name that is not UTF-8 still names its own bytes. Directories get a trailing '/'.
    static void appendHref(QByteArray &out, const Entry &entry);
    // Text for HTML content and attribute values: & < > " ' escaped; control characters and
    // bytes that are not valid UTF-8 shown as U+FFFD, so the page itself stays valid UTF-8.
    static void appendText(QByteArray &out, const QByteArray &text);

private:
    std::vector<Entry> m_entries;
    bool m_atRoot = false;
};

} // namespace baton
