#include "http/headnormalizer.h"

namespace baton {

const char *HeadNormalizer::normalize(const char *data, qsizetype size)
{
    static constexpr char versionPrefix[] = " HTTP/1.";
    constexpr quint8 versionPrefixLength = sizeof versionPrefix - 1;
    static constexpr char headEnd[] = "\r\n\r\n";
    qsizetype versionDigitAt = -1;
    qsizetype headBytes = 0; // of this slice; what follows the head (a body) is left alone
    bool tabs = false;
    for (; headBytes < size && m_headEndMatch < 4; ++headBytes) {
        const char c = data[headBytes];
        tabs = tabs || c == '\t';
        // Only the first " HTTP/1." of a request line is its version.
        if (!m_requestLineDone && !m_versionChecked) {
            if (m_versionMatch == versionPrefixLength) {
                if (c >= '2' && c <= '9')
                    versionDigitAt = headBytes;
                m_versionChecked = true;
            } else if (c == versionPrefix[m_versionMatch]) {
                ++m_versionMatch;
            } else {
                m_versionMatch = c == ' ' ? 1 : 0;
            }
        }
        if (c != '\r' && c != '\n')
            m_requestLineSeen = true;
        if (!m_requestLineSeen)
            continue; // CRLFs before a request line are not the end of a head
        if (c == '\n')
            m_requestLineDone = true;
        m_headEndMatch = c == headEnd[m_headEndMatch] ? m_headEndMatch + 1 : c == '\r' ? 1 : 0;
    }
    if (versionDigitAt < 0 && !tabs)
        return data;
    m_scratch = QByteArray(data, size);
    for (qsizetype i = 0; i < headBytes; ++i) {
        if (m_scratch[i] == '\t')
            m_scratch[i] = ' ';
    }
    if (versionDigitAt >= 0)
        m_scratch[versionDigitAt] = '1';
    return m_scratch.constData();
}

} // namespace baton
