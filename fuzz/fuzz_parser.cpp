// libFuzzer harness for baton::HttpRequestParser: arbitrary bytes, arbitrary read boundaries,
// small limits, pipelining. See fuzz/README.md for the input layout and the invariants.
#include "http/httprequestparser.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

using baton::HttpRequest;
using baton::HttpRequestParser;
using baton::ServerLimits;
using Event = HttpRequestParser::Event;

// A broken invariant must stop the fuzzer with a reproducer, also in builds without assert().
#define FUZZ_CHECK(condition)                                                                      \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(stderr, "fuzz_parser: invariant violated at line %d: %s\n", __LINE__,     \
                         #condition);                                                              \
            std::abort();                                                                          \
        }                                                                                          \
    } while (false)

// The first bytes of an input configure the run rather than being HTTP, so that the fuzzer can
// steer limits and read boundaries just as it steers the request bytes.
constexpr size_t configBytes = 4;

// Small limits make every seed run into them; 0xf0 and above keeps the server's defaults so the
// ordinary paths are fuzzed too.
ServerLimits limitsFrom(const uint8_t *config)
{
    ServerLimits limits;
    if (config[0] < 0xf0)
        limits.maxHeaderBytes = 1 + qsizetype(config[0]) * 4;
    if (config[1] < 0xf0)
        limits.maxTargetBytes = config[1];
    if (config[2] < 0xf0)
        limits.maxBodyBytes = config[2];
    return limits;
}

// Read boundaries: the low two bits pick how coarse the reads are, the rest seeds the sequence.
class Slicer
{
public:
    explicit Slicer(uint8_t config) : m_state(0x9e3779b9u ^ (uint32_t(config) << 8) ^ config)
    {
        static constexpr size_t widths[] = {1, 8, 64, 4096};
        m_maxWidth = widths[config & 3];
    }

    size_t next()
    {
        // xorshift32: cheap, deterministic, and good enough to scatter boundaries.
        m_state ^= m_state << 13;
        m_state ^= m_state >> 17;
        m_state ^= m_state << 5;
        return 1 + m_state % m_maxWidth;
    }

private:
    uint32_t m_state;
    size_t m_maxWidth;
};

// What the parser told its caller; NeedMore is left out because how often it comes depends on
// the read boundaries, which must not change anything else.
struct Outcome
{
    Event event = Event::NeedMore;
    int status = 0;
    QByteArray reason;
    bool keepAlive = false;
    HttpRequest request;
};

bool sameRequest(const HttpRequest &a, const HttpRequest &b)
{
    return a.method == b.method && a.target == b.target && a.path == b.path && a.query == b.query &&
           a.versionMinor == b.versionMinor && a.headers == b.headers && a.body == b.body;
}

// Known and tolerated: a request-target that is both too long and malformed. llhttp reports the
// target in pieces as reads end but at once when it is read at once, so a read boundary before
// the bad byte lets the length check (414) speak first, where one read meets the bad byte (400).
bool sameTooLongOrBadTarget(const Outcome &sliced, const Outcome &whole)
{
    return sliced.event == Event::Failed && whole.event == Event::Failed && sliced.status == 414 &&
           whole.status == 400 && whole.reason.toLower().contains("url");
}

bool sameOutcome(const Outcome &sliced, const Outcome &whole)
{
    if (sameTooLongOrBadTarget(sliced, whole))
        return true;
    return sliced.event == whole.event && sliced.status == whole.status &&
           sliced.reason == whole.reason && sliced.keepAlive == whole.keepAlive &&
           sameRequest(sliced.request, whole.request);
}

bool hasHeader(const HttpRequest &request, const char *name)
{
    for (const auto &header : request.headers) {
        if (header.first.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

// Printed before a differential failure so that the report says what differed, not only that.
void print(const char *label, const std::vector<Outcome> &outcomes)
{
    static const char *const names[] = {"NeedMore", "ContinueExpected", "RequestReady", "Failed"};
    std::fprintf(stderr, "%s:\n", label);
    for (const Outcome &o : outcomes) {
        std::fprintf(stderr, "  %s status=%d reason=\"%s\" keepAlive=%d", names[int(o.event)],
                     o.status, o.reason.constData(), int(o.keepAlive));
        if (o.event == Event::RequestReady) {
            std::fprintf(stderr, " %s %s (path %s query %s) 1.%d headers=%d body=%d",
                         o.request.method.constData(),
                         o.request.target.toPercentEncoding().constData(),
                         o.request.path.toPercentEncoding().constData(),
                         o.request.query.toPercentEncoding().constData(), o.request.versionMinor,
                         int(o.request.headers.size()), int(o.request.body.size()));
        }
        std::fprintf(stderr, "\n");
    }
}

void checkRequest(const ServerLimits &limits, const HttpRequest &request, size_t messageBytes)
{
    FUZZ_CHECK(!request.method.isEmpty());
    FUZZ_CHECK(!request.target.isEmpty());
    FUZZ_CHECK(request.target.size() <= limits.maxTargetBytes);
    FUZZ_CHECK(request.body.size() <= limits.maxBodyBytes);
    FUZZ_CHECK(request.versionMinor == 0 || request.versionMinor == 1);

    // The head holds at least the request line and every field line, so their sizes bound it
    // from below whatever the whitespace and line endings were.
    qsizetype headAtLeast = request.method.size() + 1 + request.target.size() + 1 + 8;
    for (const auto &[name, value] : request.headers)
        headAtLeast += name.size() + 1 + value.size();
    FUZZ_CHECK(headAtLeast <= limits.maxHeaderBytes);
    // Without a body or chunk framing, every byte since the previous request was head (or the
    // empty lines before it, which count against the same limit).
    if (request.body.isEmpty() && !hasHeader(request, "transfer-encoding"))
        FUZZ_CHECK(messageBytes <= size_t(limits.maxHeaderBytes));
}

std::vector<Outcome> parse(const ServerLimits &limits, const char *data, size_t size,
                           Slicer *slicer)
{
    HttpRequestParser parser(limits);
    std::vector<Outcome> outcomes;
    size_t offset = 0;
    size_t messageStart = 0;
    int stalls = 0;
    while (offset < size) {
        const size_t sliceEnd = slicer ? qMin(size, offset + slicer->next()) : size;
        // A slice is offered until the parser has taken all of it, as a connection does.
        while (offset < sliceEnd) {
            const qsizetype fed = qsizetype(sliceEnd - offset);
            const HttpRequestParser::Result result = parser.feed(data + offset, fed);
            FUZZ_CHECK(result.consumed >= 0);
            FUZZ_CHECK(result.consumed <= fed);
            offset += size_t(result.consumed);
            // An event that takes no input may come once in a while (pausing for 100-continue,
            // an upgrade), but a caller that keeps getting them never gets anywhere.
            stalls = result.consumed == 0 ? stalls + 1 : 0;
            FUZZ_CHECK(stalls < 4);

            Outcome outcome;
            outcome.event = result.event;
            switch (result.event) {
            case Event::NeedMore:
                FUZZ_CHECK(result.consumed == fed);
                continue;
            case Event::ContinueExpected:
                FUZZ_CHECK(parser.headComplete());
                break;
            case Event::RequestReady:
                // The next request starts from scratch, or a caller's timers would be wrong.
                FUZZ_CHECK(!parser.inMessage() && !parser.headComplete());
                outcome.request = parser.takeRequest();
                outcome.keepAlive = parser.keepAlive();
                checkRequest(limits, outcome.request, offset - messageStart);
                messageStart = offset;
                break;
            case Event::Failed:
                outcome.status = parser.errorStatus();
                outcome.reason = parser.errorReason();
                FUZZ_CHECK(outcome.status >= 400 && outcome.status <= 599);
                // A failed parser stays failed and takes nothing more.
                FUZZ_CHECK(parser.feed(data + offset, qsizetype(size - offset)).consumed == 0);
                outcomes.push_back(std::move(outcome));
                return outcomes;
            }
            outcomes.push_back(std::move(outcome));
        }
    }
    return outcomes;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *input, size_t inputSize)
{
    if (inputSize < configBytes)
        return 0;
    const ServerLimits limits = limitsFrom(input);
    const char *data = reinterpret_cast<const char *>(input + configBytes);
    const size_t size = inputSize - configBytes;

    Slicer slicer(input[3]);
    const std::vector<Outcome> sliced = parse(limits, data, size, &slicer);
    const std::vector<Outcome> whole = parse(limits, data, size, nullptr);

    // Where reads happen to end is the network's choice; the parser must not let it matter.
    bool same = sliced.size() == whole.size();
    for (size_t i = 0; same && i < whole.size(); ++i)
        same = sameOutcome(sliced[i], whole[i]);
    if (!same) {
        print("in slices", sliced);
        print("in one piece", whole);
    }
    FUZZ_CHECK(same);
    return 0;
}
