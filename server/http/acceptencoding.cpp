#include "http/acceptencoding.h"

namespace baton {

namespace {

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths; a malformed one
// counts as 0, so a client is never sent a coding it may not have asked for.
int parseWeight(QByteArrayView text)
{
    if (text.isEmpty() || (text[0] != '0' && text[0] != '1'))
        return 0;
    int weight = text[0] == '1' ? 1000 : 0;
    if (text.size() == 1)
        return weight;
    if (text[1] != '.' || text.size() > 5)
        return 0;
    int scale = 100;
    for (qsizetype i = 2; i < text.size(); ++i, scale /= 10) {
        if (text[i] < '0' || text[i] > '9')
            return 0;
        weight += (text[i] - '0') * scale;
    }
    return weight > 1000 ? 0 : weight;
}

} // namespace

AcceptEncoding::AcceptEncoding(QByteArrayView fieldValue) : m_value(fieldValue)
{}

int AcceptEncoding::weight(QByteArrayView coding) const
{
    int own = -1;
    int any = -1;
    for (QByteArrayView rest = m_value; !rest.isEmpty();) {
        const qsizetype comma = rest.indexOf(',');
        QByteArrayView element = comma < 0 ? rest : rest.first(comma);
        rest = comma < 0 ? QByteArrayView() : rest.sliced(comma + 1);
        int weight = 1000;
        if (const qsizetype semicolon = element.indexOf(';'); semicolon >= 0) {
            const QByteArrayView parameter = element.sliced(semicolon + 1).trimmed();
            element = element.first(semicolon);
            if (parameter.size() < 2 || (parameter[0] != 'q' && parameter[0] != 'Q') ||
                parameter[1] != '=')
                weight = 0;
            else
                weight = parseWeight(parameter.sliced(2).trimmed());
        }
        element = element.trimmed();
        if (element.compare(coding, Qt::CaseInsensitive) == 0)
            own = qMax(own, weight);
        else if (element == "*")
            any = qMax(any, weight);
    }
    if (own >= 0)
        return own;
    return qMax(any, 0);
}

} // namespace baton
