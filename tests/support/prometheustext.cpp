#include "prometheustext.h"

#include <QRegularExpression>

#include <cmath>
#include <cstring>
#include <limits>

namespace baton::test {

namespace {

const QRegularExpression metricName(QStringLiteral("^[a-zA-Z_:][a-zA-Z0-9_:]*$"));
const QRegularExpression labelName(QStringLiteral("^[a-zA-Z_][a-zA-Z0-9_]*$"));
const QRegularExpression floatText(
    QStringLiteral("^[+-]?(?:(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?|Inf|NaN)$"));
const QRegularExpression timestampText(QStringLiteral("^-?[0-9]+$"));
const QStringList types{QStringLiteral("counter"), QStringLiteral("gauge"),
                        QStringLiteral("histogram"), QStringLiteral("summary"),
                        QStringLiteral("untyped")};

std::optional<double> parseFloat(const QString &text)
{
    if (!floatText.match(text).hasMatch())
        return std::nullopt;
    if (text.endsWith(QLatin1String("Inf")))
        return text.startsWith(u'-') ? -std::numeric_limits<double>::infinity()
                                     : std::numeric_limits<double>::infinity();
    if (text.endsWith(QLatin1String("NaN")))
        return std::numeric_limits<double>::quiet_NaN();
    bool ok = false;
    const double value = text.toDouble(&ok);
    return ok ? std::optional<double>(value) : std::nullopt;
}

// The HELP text's escapes: only \\ and \n.
bool validHelp(const QString &text)
{
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text[i] != u'\\')
            continue;
        if (i + 1 >= text.size() || (text[i + 1] != u'\\' && text[i + 1] != u'n'))
            return false;
        ++i;
    }
    return true;
}

QString seriesKey(const QString &name, const PrometheusText::Labels &labels)
{
    QString key = name;
    for (auto it = labels.cbegin(); it != labels.cend(); ++it)
        key += u'\x1f' + it.key() + u'=' + it.value();
    return key;
}

} // namespace

PrometheusText PrometheusText::parse(const QByteArray &text)
{
    PrometheusText result;
    if (text.isEmpty()) {
        result.problem(0, QStringLiteral("empty exposition"));
        return result;
    }
    if (!text.endsWith('\n'))
        result.problem(0, QStringLiteral("the last line does not end with a line feed"));
    const QString decoded = QString::fromUtf8(text);
    if (decoded.toUtf8() != text)
        result.problem(0, QStringLiteral("not valid UTF-8"));
    QStringList lines = decoded.split(u'\n');
    if (lines.last().isEmpty())
        lines.removeLast();
    for (int i = 0; i < lines.size(); ++i)
        result.parseLine(lines[i], i + 1);
    result.checkFamilies();
    return result;
}

void PrometheusText::problem(int line, const QString &what)
{
    m_problems << (line > 0 ? QStringLiteral("line %1: %2").arg(line).arg(what) : what);
}

void PrometheusText::parseLine(const QString &line, int number)
{
    if (line.isEmpty())
        return;
    if (line.contains(u'\r'))
        problem(number, QStringLiteral("carriage return in \"%1\"").arg(line));
    if (!line.startsWith(u'#')) {
        parseSample(line, number);
        return;
    }
    const QStringList words = line.split(u' ');
    const bool help = words.value(1) == u"HELP";
    if (!help && words.value(1) != u"TYPE")
        return; // a plain comment
    const QString name = words.value(2);
    if (!metricName.match(name).hasMatch()) {
        problem(number, QStringLiteral("bad metric name in \"%1\"").arg(line));
        return;
    }
    if (m_closedFamilies.contains(name) || m_currentFamily == name)
        problem(number, QStringLiteral("%1 after samples of %2").arg(words[1], name));
    Family &family = m_families[name];
    family.name = name;
    if (help) {
        const qsizetype start = QStringLiteral("# HELP ").size() + name.size();
        const QString docstring = line.size() > start ? line.mid(start + 1) : QString();
        if (family.hasHelp)
            problem(number, QStringLiteral("second HELP for %1").arg(name));
        if (!validHelp(docstring))
            problem(number, QStringLiteral("bad escape in the HELP of %1").arg(name));
        family.hasHelp = true;
        family.help = docstring;
        return;
    }
    if (words.size() != 4 || !types.contains(words[3]))
        problem(number, QStringLiteral("bad TYPE line \"%1\"").arg(line));
    if (!family.type.isEmpty())
        problem(number, QStringLiteral("second TYPE for %1").arg(name));
    family.type = words.value(3);
}

void PrometheusText::parseSample(const QString &line, int number)
{
    Sample sample;
    qsizetype pos = 0;
    while (pos < line.size() && line[pos] != u'{' && line[pos] != u' ')
        ++pos;
    sample.name = line.left(pos);
    if (!metricName.match(sample.name).hasMatch())
        return problem(number, QStringLiteral("bad metric name in \"%1\"").arg(line));
    if (pos < line.size() && line[pos] == u'{') {
        ++pos;
        while (pos < line.size() && line[pos] != u'}') {
            const qsizetype eq = line.indexOf(u'=', pos);
            if (eq < 0)
                return problem(number, QStringLiteral("bad labels in \"%1\"").arg(line));
            const QString name = line.mid(pos, eq - pos);
            if (!labelName.match(name).hasMatch() || name.startsWith(QLatin1String("__")))
                return problem(number, QStringLiteral("bad label name \"%1\"").arg(name));
            if (eq + 1 >= line.size() || line[eq + 1] != u'"')
                return problem(number, QStringLiteral("unquoted label value in \"%1\"").arg(line));
            QString value;
            pos = eq + 2;
            for (;; ++pos) {
                if (pos >= line.size())
                    return problem(number, QStringLiteral("unterminated label value"));
                if (line[pos] == u'"')
                    break;
                if (line[pos] == u'\\') {
                    const QChar next = pos + 1 < line.size() ? line[pos + 1] : QChar();
                    if (next != u'\\' && next != u'"' && next != u'n')
                        return problem(number, QStringLiteral("bad escape in \"%1\"").arg(line));
                    value += next == u'n' ? QChar(u'\n') : next;
                    ++pos;
                    continue;
                }
                value += line[pos];
            }
            ++pos; // the closing quote
            if (sample.labels.contains(name))
                problem(number, QStringLiteral("label %1 twice in \"%2\"").arg(name, line));
            sample.labels.insert(name, value);
            if (pos < line.size() && line[pos] == u',') {
                ++pos;
                if (pos < line.size() && line[pos] == u'}')
                    problem(number, QStringLiteral("trailing comma in \"%1\"").arg(line));
            } else if (pos >= line.size() || line[pos] != u'}') {
                return problem(number, QStringLiteral("bad labels in \"%1\"").arg(line));
            }
        }
        if (pos >= line.size())
            return problem(number, QStringLiteral("unterminated labels in \"%1\"").arg(line));
        ++pos; // '}'
    }
    const QStringList rest = line.mid(pos).split(u' ');
    // One space, the value, and at most a timestamp.
    if (rest.size() < 2 || rest.size() > 3 || !rest[0].isEmpty())
        return problem(number, QStringLiteral("bad sample line \"%1\"").arg(line));
    const std::optional<double> value = parseFloat(rest[1]);
    if (!value)
        return problem(number, QStringLiteral("bad value in \"%1\"").arg(line));
    if (rest.size() == 3 && !timestampText.match(rest[2]).hasMatch())
        return problem(number, QStringLiteral("bad timestamp in \"%1\"").arg(line));
    sample.value = *value;

    const QString family = familyOf(sample.name);
    if (family.isEmpty())
        return problem(number, QStringLiteral("%1 belongs to no declared family").arg(sample.name));
    if (family != m_currentFamily) {
        if (m_closedFamilies.contains(family))
            problem(number, QStringLiteral("samples of %1 are not one group").arg(family));
        if (!m_currentFamily.isEmpty())
            m_closedFamilies << m_currentFamily;
        m_currentFamily = family;
    }
    const QString key = seriesKey(sample.name, sample.labels);
    if (m_seenSeries.contains(key))
        problem(number, QStringLiteral("series twice: \"%1\"").arg(line));
    m_seenSeries << key;
    m_families[family].samples << sample;
}

QString PrometheusText::familyOf(const QString &sampleName) const
{
    const auto declared = [this](const QString &name, std::initializer_list<const char *> typesOk) {
        const auto it = m_families.constFind(name);
        if (it == m_families.cend() || it->type.isEmpty())
            return false;
        for (const char *type : typesOk) {
            if (it->type == QLatin1String(type))
                return true;
        }
        return false;
    };
    if (declared(sampleName, {"counter", "gauge", "untyped", "summary"}))
        return sampleName;
    for (const char *suffix : {"_bucket", "_sum", "_count"}) {
        if (!sampleName.endsWith(QLatin1String(suffix)))
            continue;
        const QString base = sampleName.chopped(qsizetype(std::strlen(suffix)));
        const bool bucket = std::strcmp(suffix, "_bucket") == 0;
        if (declared(base, {"histogram"}) || (!bucket && declared(base, {"summary"})))
            return base;
    }
    return {};
}

void PrometheusText::checkFamilies()
{
    for (const Family &family : std::as_const(m_families)) {
        if (family.type.isEmpty())
            problem(0, QStringLiteral("%1 has no TYPE").arg(family.name));
        if (!family.hasHelp)
            problem(0, QStringLiteral("%1 has no HELP").arg(family.name));
        if (family.type == u"counter") {
            if (!family.name.endsWith(QLatin1String("_total")))
                problem(0, QStringLiteral("counter %1 is not named *_total").arg(family.name));
            for (const Sample &sample : family.samples) {
                if (!std::isfinite(sample.value) || sample.value < 0)
                    problem(0, QStringLiteral("counter %1 has the value %2")
                                   .arg(family.name)
                                   .arg(sample.value));
            }
        }
        if (family.type == u"histogram")
            checkHistogram(family);
        for (const Sample &sample : family.samples) {
            if (sample.labels.contains(QStringLiteral("le")) && family.type != u"histogram")
                problem(0, QStringLiteral("le label outside a histogram: %1").arg(sample.name));
        }
    }
}

void PrometheusText::checkHistogram(const Family &family)
{
    struct Series
    {
        QList<std::pair<double, double>> buckets; // le, count, in the order given
        std::optional<double> sum;
        std::optional<double> count;
    };
    QMap<QString, Series> series; // by the labels other than le
    for (const Sample &sample : family.samples) {
        Labels labels = sample.labels;
        const std::optional<QString> le =
            labels.contains(QStringLiteral("le"))
                ? std::optional<QString>(labels.take(QStringLiteral("le")))
                : std::nullopt;
        Series &s = series[seriesKey(QString(), labels)];
        if (sample.name == family.name + QStringLiteral("_bucket")) {
            const std::optional<double> bound = le ? parseFloat(*le) : std::nullopt;
            if (!bound)
                problem(0, QStringLiteral("%1 bucket without a valid le").arg(family.name));
            else
                s.buckets.append({*bound, sample.value});
        } else if (le) {
            problem(0, QStringLiteral("le on %1, which is not a bucket").arg(sample.name));
        } else if (sample.name.endsWith(QLatin1String("_sum"))) {
            s.sum = sample.value;
        } else {
            s.count = sample.value;
        }
    }
    if (series.isEmpty())
        problem(0, QStringLiteral("histogram %1 has no samples").arg(family.name));
    for (auto it = series.cbegin(); it != series.cend(); ++it) {
        const Series &s = it.value();
        if (!s.sum || !s.count || s.buckets.isEmpty()) {
            problem(0,
                    QStringLiteral("histogram %1 lacks _sum, _count or buckets").arg(family.name));
            continue;
        }
        for (qsizetype i = 1; i < s.buckets.size(); ++i) {
            if (!(s.buckets[i].first > s.buckets[i - 1].first))
                problem(0, QStringLiteral("%1: le not increasing").arg(family.name));
            if (s.buckets[i].second < s.buckets[i - 1].second)
                problem(0, QStringLiteral("%1: bucket counts decrease").arg(family.name));
        }
        if (!std::isinf(s.buckets.last().first) || s.buckets.last().first < 0)
            problem(0, QStringLiteral("%1: the last bucket is not +Inf").arg(family.name));
        else if (s.buckets.last().second != *s.count)
            problem(0, QStringLiteral("%1: the +Inf bucket (%2) differs from _count (%3)")
                           .arg(family.name)
                           .arg(s.buckets.last().second)
                           .arg(*s.count));
    }
}

std::optional<double> PrometheusText::value(const QString &name, const Labels &labels) const
{
    for (const Family &family : m_families) {
        for (const Sample &sample : family.samples) {
            if (sample.name == name && sample.labels == labels)
                return sample.value;
        }
    }
    return std::nullopt;
}

double PrometheusText::sum(const QString &name) const
{
    double total = 0;
    for (const Family &family : m_families) {
        for (const Sample &sample : family.samples) {
            if (sample.name == name)
                total += sample.value;
        }
    }
    return total;
}

} // namespace baton::test
