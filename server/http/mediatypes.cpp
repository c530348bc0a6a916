#include "http/mediatypes.h"

#include <QHash>

namespace baton {

namespace {

struct Entry
{
    const char *extensions; // space-separated, lower case
    const char *type;
};

// The types browsers and tools act on, following nginx's mime.types and the IANA registry,
// plus what nginx 1.22 lacks (wasm, webmanifest, mjs, avif, woff2 are all here).
constexpr Entry table[] = {
    {"html htm shtml", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js mjs", "text/javascript; charset=utf-8"},
    {"json map", "application/json; charset=utf-8"},
    {"webmanifest", "application/manifest+json; charset=utf-8"},
    {"txt text log conf ini md markdown", "text/plain; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"tsv", "text/tab-separated-values; charset=utf-8"},
    {"xml xsl xsd", "application/xml; charset=utf-8"},
    {"rss", "application/rss+xml; charset=utf-8"},
    {"atom", "application/atom+xml; charset=utf-8"},
    {"svg svgz", "image/svg+xml; charset=utf-8"},
    {"ics", "text/calendar; charset=utf-8"},
    {"vtt", "text/vtt; charset=utf-8"},
    {"yaml yml", "application/yaml; charset=utf-8"},
    {"wasm", "application/wasm"},
    {"png", "image/png"},
    {"jpg jpeg jfif pjpeg pjp", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"heic", "image/heic"},
    {"ico cur", "image/x-icon"},
    {"bmp", "image/bmp"},
    {"tif tiff", "image/tiff"},
    {"jxl", "image/jxl"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"otf", "font/otf"},
    {"eot", "application/vnd.ms-fontobject"},
    {"mp4 m4v", "video/mp4"},
    {"webm", "video/webm"},
    {"ogv", "video/ogg"},
    {"mov", "video/quicktime"},
    {"mkv", "video/x-matroska"},
    {"avi", "video/x-msvideo"},
    {"ts", "video/mp2t"},
    {"m3u8", "application/vnd.apple.mpegurl"},
    {"mpd", "application/dash+xml"},
    {"mp3", "audio/mpeg"},
    {"m4a", "audio/mp4"},
    {"aac", "audio/aac"},
    {"ogg oga opus", "audio/ogg"},
    {"wav", "audio/wav"},
    {"flac", "audio/flac"},
    {"weba", "audio/webm"},
    {"mid midi", "audio/midi"},
    {"pdf", "application/pdf"},
    {"zip", "application/zip"},
    {"gz tgz", "application/gzip"},
    {"br", "application/x-brotli"},
    {"zst", "application/zstd"},
    {"bz2", "application/x-bzip2"},
    {"xz", "application/x-xz"},
    {"7z", "application/x-7z-compressed"},
    {"tar", "application/x-tar"},
    {"rar", "application/vnd.rar"},
    {"jar", "application/java-archive"},
    {"apk", "application/vnd.android.package-archive"},
    {"deb", "application/vnd.debian.binary-package"},
    {"rpm", "application/x-rpm"},
    {"iso img dmg bin exe dll so msi", "application/octet-stream"},
    {"doc", "application/msword"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"xls", "application/vnd.ms-excel"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"ppt", "application/vnd.ms-powerpoint"},
    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    {"odt", "application/vnd.oasis.opendocument.text"},
    {"ods", "application/vnd.oasis.opendocument.spreadsheet"},
    {"odp", "application/vnd.oasis.opendocument.presentation"},
    {"epub", "application/epub+zip"},
    {"rtf", "application/rtf"},
    {"swf", "application/x-shockwave-flash"},
    {"pem crt cer", "application/x-x509-ca-cert"},
};

const QHash<QByteArray, QByteArray> &byExtension()
{
    static const QHash<QByteArray, QByteArray> types = [] {
        QHash<QByteArray, QByteArray> built;
        for (const Entry &entry : table) {
            for (const QByteArray &extension : QByteArray(entry.extensions).split(' '))
                built.insert(extension, QByteArray(entry.type));
        }
        return built;
    }();
    return types;
}

} // namespace

MediaTypes::MediaTypes(QByteArray defaultType) : m_defaultType(std::move(defaultType)) {}

QByteArray MediaTypes::forPath(QByteArrayView path) const
{
    const qsizetype slash = path.lastIndexOf('/');
    const QByteArrayView name = path.sliced(slash + 1);
    const qsizetype dot = name.lastIndexOf('.');
    // ".profile" is a name without an extension, as "README" is.
    if (dot <= 0 || dot == name.size() - 1)
        return m_defaultType;
    const QByteArray extension = name.sliced(dot + 1).toByteArray().toLower();
    return byExtension().value(extension, m_defaultType);
}

} // namespace baton
