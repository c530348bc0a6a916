// A strict reader of the Prometheus text exposition format 0.0.4, for tests of /metrics: every
// line is checked, and every departure from the format (or from Baton's naming rules) is noted
// in problems() rather than skipped.
#pragma once

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace baton::test {

class PrometheusText
{
public:
    using Labels = QMap<QString, QString>;
    struct Sample
    {
        QString name;
        Labels labels;
        double value = 0;
    };
    struct Family
    {
        QString name;
        QString type; // counter, gauge, histogram, summary or untyped
        QString help;
        bool hasHelp = false;
        QList<Sample> samples;
    };

    // Checks, besides the grammar: every sample belongs to a family declared before it with
    // HELP and TYPE, each at most once; a family's samples form one group; no series twice;
    // names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* (none reserved
    // "__"), label values use only \\, \" and \n escapes; counters are named *_total and are
    // finite and not negative; a histogram's series each have buckets with increasing "le",
    // cumulative counts that never decrease, a "+Inf" bucket equal to _count, and a _sum.
    static PrometheusText parse(const QByteArray &text);

    const QStringList &problems() const { return m_problems; }
    bool isValid() const { return m_problems.isEmpty(); }
    const QMap<QString, Family> &families() const { return m_families; }
    // The sample with exactly this name and these labels.
    std::optional<double> value(const QString &name, const Labels &labels = {}) const;
    // The sum of every sample with this name.
    double sum(const QString &name) const;

private:
    void parseLine(const QString &line, int number);
    void parseSample(const QString &line, int number);
    void checkFamilies();
    void checkHistogram(const Family &family);
    QString familyOf(const QString &sampleName) const;
    void problem(int line, const QString &what);

    QMap<QString, Family> m_families;
    QStringList m_problems;
    QString m_currentFamily; // of the last sample, to find a family split in two groups
    QStringList m_closedFamilies;
    QStringList m_seenSeries;
};

} // namespace baton::test
