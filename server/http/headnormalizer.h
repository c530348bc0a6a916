#pragma once

#include <QByteArray>

namespace baton {

// llhttp 8.1 is stricter than RFC 9112 in two places, so a head is fed to it normalised: a
// higher HTTP/1.x minor version is rewritten as 1.1 (RFC 9110 2.5 says to process it as the
// highest 1.x understood), and HTAB as SP (llhttp takes only SP as the OWS after a
// Content-Length or Transfer-Encoding value; everywhere else in a head the two are the same
// whitespace, and a tab inside a field value reaches handlers as a space). A byte-for-byte
// mapping, so where a head is split between reads cannot change how it is read.
class HeadNormalizer
{
public:
    // The slice to give llhttp instead of data (data itself when nothing changes; else a copy
    // valid until the next call).
    const char *normalize(const char *data, qsizetype size);
    // A new message starts: what follows is a request line again. The scratch copy stays: the
    // slice llhttp is reading when the message ends may be in it.
    void messageEnded()
    {
        m_versionMatch = 0;
        m_headEndMatch = 0;
        m_requestLineSeen = false;
        m_requestLineDone = false;
        m_versionChecked = false;
    }

private:
    QByteArray m_scratch;
    quint8 m_versionMatch = 0;      // bytes of " HTTP/1." matched so far in the request line
    quint8 m_headEndMatch = 0;      // bytes of the CRLFCRLF that ends the head matched so far
    bool m_requestLineSeen = false; // a byte of the request line (not a leading CRLF) arrived
    bool m_requestLineDone = false;
    bool m_versionChecked = false;
};

} // namespace baton
