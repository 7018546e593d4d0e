// libFuzzer target: the HTTP/1.1 response parser every download goes through. Besides totality (no crash, no
// sanitizer report) it checks one oracle: the same bytes fed whole and fed in pieces must give the same
// result, down to the error message, because the socket splits them arbitrarily.
// Input: one control byte (bit 0: the request was HEAD; bits 1-3: the largest piece size, 4^n), then the
// bytes from the server.
#include "httpresponseparser.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace {

using heiko::HttpResponseParser;

void check(bool condition)
{
    if (!condition)
        std::abort();
}

bool finished(const HttpResponseParser &parser)
{
    return parser.state() == HttpResponseParser::State::Complete
        || parser.state() == HttpResponseParser::State::Error;
}

// What must hold for any parser at any time.
void checkInvariants(const HttpResponseParser &parser, qint64 bodyBytes)
{
    check(parser.bodyBytesDelivered() == bodyBytes);
    if (parser.framing() == HttpResponseParser::Framing::ContentLength) {
        check(parser.contentLength() >= 0 && bodyBytes <= parser.contentLength());
        if (parser.state() == HttpResponseParser::State::Complete)
            check(bodyBytes == parser.contentLength());
    } else {
        check(parser.contentLength() == -1);
    }
    if (parser.keepAlive())
        check(parser.state() == HttpResponseParser::State::Complete);
    check((parser.state() == HttpResponseParser::State::Error) == !parser.errorString().isEmpty());
    if (parser.headComplete())
        check(parser.statusCode() >= 200 && parser.statusCode() <= 599);
}

void checkSame(const HttpResponseParser &a, const HttpResponseParser &b)
{
    check(a.state() == b.state());
    check(a.errorString() == b.errorString());
    check(a.statusCode() == b.statusCode());
    check(a.reasonPhrase() == b.reasonPhrase());
    check(a.versionMinor() == b.versionMinor());
    check(a.headers() == b.headers());
    check(a.framing() == b.framing());
    check(a.contentLength() == b.contentLength());
    check(a.bodyBytesDelivered() == b.bodyBytesDelivered());
    check(a.keepAlive() == b.keepAlive());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const uint8_t control = data[0];
    const bool head = (control & 1) != 0;
    const qsizetype maxPiece = qsizetype(1) << (2 * ((control >> 1) & 7));
    const QByteArrayView input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    HttpResponseParser whole(head);
    QByteArray wholeBody;
    const qsizetype wholeUsed = whole.feed(input, &wholeBody);
    check(wholeUsed >= 0 && wholeUsed <= input.size());
    check(wholeUsed == input.size() || finished(whole));
    checkInvariants(whole, wholeBody.size());

    HttpResponseParser pieces(head);
    QByteArray piecesBody;
    uint32_t random = 0x9e3779b9u ^ control;
    qsizetype used = 0;
    while (used < input.size()) {
        random = random * 1103515245u + 12345u;
        const qsizetype piece
            = std::min<qsizetype>(1 + qsizetype(random >> 8) % maxPiece, input.size() - used);
        const qsizetype n = pieces.feed(input.sliced(used, piece), &piecesBody);
        check(n >= 0 && n <= piece);
        checkInvariants(pieces, piecesBody.size());
        used += n;
        if (n < piece) {
            check(finished(pieces));
            break;
        }
    }

    checkSame(whole, pieces);
    check(wholeBody == piecesBody);

    // The head on its own first (as HttpReply reads it), then the rest: the same outcome.
    HttpResponseParser headFirst(head);
    QByteArray headFirstBody;
    const qsizetype headUsed = headFirst.feedHead(input);
    check(headUsed >= 0 && headUsed <= input.size());
    check(headFirstBody.isEmpty() && headFirst.bodyBytesDelivered() == 0);
    const qsizetype restUsed
        = headUsed < input.size() ? headFirst.feed(input.sliced(headUsed), &headFirstBody) : 0;
    check(headUsed + restUsed == wholeUsed);
    checkSame(whole, headFirst);
    check(wholeBody == headFirstBody);
    if (whole.state() == HttpResponseParser::State::Complete)
        check(wholeUsed == used);

    if (finished(whole))
        check(whole.feed(input, &wholeBody) == 0);
    whole.finishAtEof();
    pieces.finishAtEof();
    check(finished(whole));
    checkSame(whole, pieces);
    checkInvariants(whole, wholeBody.size());
    return 0;
}
