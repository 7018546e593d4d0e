#include "httpresponseparser.h"

#include <QTest>

#include <random>

using namespace Qt::StringLiterals;
using heiko::HttpResponseParser;
using State = HttpResponseParser::State;
using Framing = HttpResponseParser::Framing;

namespace heiko {
// Readable QCOMPARE failures for the parser's enums (found by ADL).
char *toString(HttpResponseParser::State state)
{
    static const char *const names[] = { "StatusLine", "Headers", "Body", "Complete", "Error" };
    return qstrdup(names[int(state)]);
}
char *toString(HttpResponseParser::Framing framing)
{
    static const char *const names[] = { "None", "ContentLength", "Chunked", "UntilClose" };
    return qstrdup(names[int(framing)]);
}
} // namespace heiko

namespace {

// What a response must parse to. Error rows only name `state`, `error` (a substring of errorString()) and
// possibly `eof`; the other fields are checked for rows that parse.
struct Expect
{
    State state = State::Complete;
    int status = 200;
    QByteArray reason = "OK"_ba;
    Framing framing = Framing::ContentLength;
    qint64 length = -1;
    QByteArray body;
    bool keepAlive = true;
    QByteArray headerName;
    QByteArray headerValue;
    bool headerPresent = true;
    qsizetype consumed = -1; // -1: all of the input
    QString error;
    bool eof = false; // call finishAtEof() after feeding
    bool head = false; // the request was HEAD
    int versionMinor = 1;
};

enum class Split { Whole, Bytes, Random };

constexpr quint32 kSeed = 20240611;

// Arbitrary bytes (all 256 values, CR/LF/NUL included) so that framing mistakes show in the body.
QByteArray randomBytes(qsizetype size, quint32 seed)
{
    std::mt19937 rng(seed);
    QByteArray bytes(size, Qt::Uninitialized);
    for (char &c : bytes)
        c = char(rng() & 0xff);
    return bytes;
}

// Piece sizes from tiny to large, so pieces end everywhere: inside CRLFs, names, chunk sizes, bodies.
qsizetype randomPiece(std::mt19937 &rng)
{
    switch (rng() % 3) {
    case 0:
        return qsizetype(1 + rng() % 8);
    case 1:
        return qsizetype(1 + rng() % 512);
    default:
        return qsizetype(1 + rng() % 65536);
    }
}

// Feeds `input` split as asked, the way the client does: stops at the first piece not fully used. In the
// Random mode the caller also drains `body` after each call, as the client writes bytes out. Returns the
// bytes used, or -1 when feed() returned something impossible.
qsizetype feedSplit(HttpResponseParser &parser, const QByteArray &input, Split split, QByteArray *body)
{
    std::mt19937 rng(kSeed);
    QByteArray drained;
    qsizetype pos = 0;
    while (pos < input.size()) {
        qsizetype piece = split == Split::Whole ? input.size() : split == Split::Bytes ? 1 : randomPiece(rng);
        piece = std::min(piece, input.size() - pos);
        const qsizetype used = parser.feed(QByteArrayView(input).sliced(pos, piece), body);
        if (used < 0 || used > piece)
            return -1;
        if (split == Split::Random) {
            drained += *body;
            body->clear();
        }
        pos += used;
        if (used < piece)
            break;
    }
    if (split == Split::Random)
        *body = drained + *body;
    return pos;
}

QByteArray chunked(const QByteArray &body, quint32 seed)
{
    std::mt19937 rng(seed);
    QByteArray out;
    qsizetype pos = 0;
    int n = 0;
    while (pos < body.size()) {
        const qsizetype size = std::min<qsizetype>(body.size() - pos, 1 + rng() % 70000);
        QByteArray sizeLine = QByteArray::number(size, 16);
        if (n % 3 == 1)
            sizeLine = sizeLine.toUpper();
        if (n % 4 == 2)
            sizeLine += ";ext=\"v\"";
        out += sizeLine + "\r\n" + body.mid(pos, size) + "\r\n";
        pos += size;
        ++n;
    }
    return out + "0\r\n\r\n";
}

const QByteArray kOkHead = "HTTP/1.1 200 OK\r\n"_ba;

QByteArray lengthResponse(const QByteArray &body)
{
    return kOkHead + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

QByteArray fieldsHead(int fields, qsizetype valueSize)
{
    QByteArray head = kOkHead;
    for (int i = 0; i < fields; ++i)
        head += "X-F" + QByteArray::number(i) + ": " + QByteArray(valueSize, 'v') + "\r\n";
    return head;
}

} // namespace

Q_DECLARE_METATYPE(Expect)

// The parser every download goes through: every framing, fed whole, byte by byte and in random pieces, must
// deliver exactly the body bytes; everything ambiguous must be an error, never a guess.
class TestHttpResponseParser final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parse_data();
    void parse();
    void pipelinedResponseIsLeftForTheCaller();
    void interimResponsesAreInvisible();
    void bodyIsAppendedNotReplaced();
    void feedHeadStopsWhereTheBodyStarts();
    void nullBodyStillCounts();
    void nothingIsConsumedAfterTheEnd_data();
    void nothingIsConsumedAfterTheEnd();
    void garbageIsHandled_data();
    void garbageIsHandled();

private:
    static void addRows(const char *name, const QByteArray &input, const Expect &expect);
};

void TestHttpResponseParser::addRows(const char *name, const QByteArray &input, const Expect &expect)
{
    QTest::addRow("%s/whole", name) << input << int(Split::Whole) << expect;
    QTest::addRow("%s/bytes", name) << input << int(Split::Bytes) << expect;
    QTest::addRow("%s/random", name) << input << int(Split::Random) << expect;
}

void TestHttpResponseParser::parse_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("split");
    QTest::addColumn<Expect>("expect");

    const auto error = [](const QString &message, bool eof = false) {
        Expect e;
        e.state = State::Error;
        e.error = message;
        e.eof = eof;
        return e;
    };

    // --- Content-Length
    {
        Expect e;
        e.length = 5;
        e.body = "hello"_ba;
        e.headerName = "content-type"_ba;
        e.headerValue = "text/plain"_ba;
        addRows("content-length", kOkHead + "Content-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello", e);
        addRows("bare LF line endings",
                "HTTP/1.1 200 OK\nContent-Length: 5\nContent-Type: text/plain\n\nhello"_ba, e);
        addRows("mixed line endings",
                "HTTP/1.1 200 OK\r\nContent-Length: 5\nContent-Type: text/plain\r\n\nhello"_ba, e);
    }
    {
        Expect e;
        e.status = 404;
        e.reason = ""_ba;
        e.length = 0;
        addRows("no reason phrase", "HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n"_ba, e);
        addRows("empty reason phrase", "HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n"_ba, e);
    }
    {
        Expect e;
        e.status = 503;
        e.reason = "Service Temporarily  Unavailable"_ba;
        e.length = 2;
        e.body = "no"_ba;
        addRows("reason with spaces",
                "HTTP/1.1 503 Service Temporarily  Unavailable\r\nContent-Length: 2\r\n\r\nno"_ba, e);
    }
    {
        Expect e;
        e.length = 0;
        e.headerName = "Content-Length"_ba;
        e.headerValue = "0"_ba;
        addRows("content-length zero completes after the head", kOkHead + "Content-Length: 0\r\n\r\n", e);
    }
    {
        Expect e;
        e.length = 7;
        e.body = "exactly"_ba;
        addRows("repeated equal content-length fields",
                kOkHead + "Content-Length: 7\r\nContent-Length: 7\r\n\r\nexactly", e);
        addRows("repeated equal content-length list", kOkHead + "Content-Length: 7 , 7,7\r\n\r\nexactly", e);
        addRows("content-length with leading zeros (18 digits)",
                kOkHead + "Content-Length: 000000000000000007\r\n\r\nexactly", e);
        addRows("content-length surrounded by tabs", kOkHead + "Content-Length:\t7\t\r\n\r\nexactly", e);
    }
    {
        Expect e;
        e.state = State::Body;
        e.length = 5368709120;
        e.body = "abc"_ba;
        e.keepAlive = false; // not complete yet
        addRows("64-bit content-length", kOkHead + "Content-Length: 5368709120\r\n\r\nabc", e);
    }
    {
        const QByteArray big = randomBytes(5 * 1024 * 1024, 1);
        Expect e;
        e.length = big.size();
        e.body = big;
        addRows("5 MB content-length body", lengthResponse(big), e);
    }
    {
        Expect e;
        e.state = State::Body;
        e.length = 10;
        e.body = "abcd"_ba;
        e.keepAlive = false;
        addRows("content-length body still open", kOkHead + "Content-Length: 10\r\n\r\nabcd", e);
    }

    // --- keep-alive
    {
        Expect e;
        e.length = 2;
        e.body = "ok"_ba;
        e.versionMinor = 0;
        e.keepAlive = false;
        addRows("HTTP/1.0 closes by default", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"_ba, e);
        e.keepAlive = true;
        addRows("HTTP/1.0 with keep-alive",
                "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok"_ba, e);
        e.keepAlive = false;
        addRows("HTTP/1.0 with keep-alive and close",
                "HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 2\r\n\r\nok"_ba, e);
        e.versionMinor = 1;
        addRows("Connection close in a list",
                kOkHead + "Connection: Keep-Alive, CLOSE\r\nContent-Length: 2\r\n\r\nok", e);
        addRows("Connection close in a second field",
                kOkHead + "Connection: upgrade\r\nconnection: close\r\nContent-Length: 2\r\n\r\nok", e);
        e.keepAlive = true;
        addRows("Connection closed is not close",
                kOkHead + "Connection: closed, x-close\r\nContent-Length: 2\r\n\r\nok", e);
        e.versionMinor = 2;
        e.headerName = "connection"_ba;
        e.headerValue = "keep-alive"_ba;
        addRows("HTTP/1.2 is read as 1.1",
                "HTTP/1.2 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"_ba, e);
    }

    // --- close-delimited
    {
        Expect e;
        e.framing = Framing::UntilClose;
        e.body = "body until the end"_ba;
        e.keepAlive = false;
        e.eof = true;
        addRows("HTTP/1.1 without length, EOF",
                kOkHead + "Content-Type: text/plain\r\n\r\nbody until the end", e);
        e.versionMinor = 0;
        addRows("HTTP/1.0 without length, EOF", "HTTP/1.0 200 OK\r\n\r\nbody until the end"_ba, e);
        e.versionMinor = 1;
        e.eof = false;
        e.state = State::Body;
        addRows("close-delimited body still open", kOkHead + "\r\nbody until the end", e);
        e.state = State::Complete;
        e.eof = true;
        e.body = ""_ba;
        addRows("close-delimited empty body", kOkHead + "\r\n", e);
    }

    // --- chunked
    {
        Expect e;
        e.framing = Framing::Chunked;
        e.body = "hello world"_ba;
        e.headerName = "Transfer-Encoding"_ba;
        e.headerValue = "chunked"_ba;
        addRows("chunked",
                kOkHead + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", e);
        addRows("chunked with bare LF lines",
                kOkHead + "Transfer-Encoding: chunked\n\n5\nhello\r\n6\n world\r\n0\n\n", e);
        addRows("chunked with leading zeros",
                kOkHead + "Transfer-Encoding: chunked\r\n\r\n0005\r\nhello\r\n00006\r\n world\r\n000\r\n\r\n",
                e);
        addRows(
            "chunked with extensions and BWS",
            kOkHead
                + "Transfer-Encoding: chunked\r\n\r\n5 ;a=b\r\nhello\r\n6;name=\"quoted;value\"\r\n world\r\n"
                  "0 ; last\r\n\r\n",
            e);
        addRows(
            "chunked with trailers (discarded)",
            kOkHead
                + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: abc\r\n"
                  "Expires: never\r\n\r\n",
            e);
        e.headerName = "X-Checksum"_ba;
        e.headerValue = ""_ba;
        e.headerPresent = false;
        addRows("trailers are not headers",
                kOkHead
                    + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: "
                      "abc\r\n\r\n",
                e);
        e.headerName = "transfer-encoding"_ba;
        e.headerValue = "CHUNKED"_ba;
        e.headerPresent = true;
        addRows("chunked in capitals",
                kOkHead + "Transfer-Encoding: CHUNKED\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", e);
        e.body = QByteArray("0123456789") + QByteArray(26, 'z');
        e.headerValue = "chunked"_ba;
        addRows("chunked uppercase and lowercase hex",
                kOkHead + "Transfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n1a\r\n" + QByteArray(26, 'z')
                    + "\r\n0\r\n\r\n",
                e);
        e.body = "hello world"_ba;
        e.headerValue = "gzip, chunked"_ba;
        addRows("chunked as the final coding",
                kOkHead + "Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
                e);
        addRows("chunked in a second Transfer-Encoding field",
                kOkHead
                    + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n "
                      "world\r\n0\r\n\r\n",
                e);
        e.keepAlive = false; // TE with CL smells of smuggling
        e.headerName = "Content-Length"_ba;
        e.headerValue = "11"_ba;
        addRows("chunked wins over Content-Length",
                kOkHead
                    + "Content-Length: 11\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n "
                      "world\r\n0\r\n\r\n",
                e);
        e.headerValue = "3, 900"_ba;
        addRows("chunked wins over conflicting Content-Length",
                kOkHead
                    + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\nContent-Length: "
                      "900\r\n\r\n5\r\nhello\r\n6\r\n"
                      " world\r\n0\r\n\r\n",
                e);
    }
    {
        const QByteArray big = randomBytes(5 * 1024 * 1024, 2);
        Expect e;
        e.framing = Framing::Chunked;
        e.body = big;
        addRows("5 MB chunked body", kOkHead + "Transfer-Encoding: chunked\r\n\r\n" + chunked(big, 3), e);
    }
    {
        Expect e;
        e.state = State::Body;
        e.framing = Framing::Chunked;
        e.body = "abc"_ba;
        e.keepAlive = false;
        addRows("chunk of 2^62 bytes", kOkHead + "Transfer-Encoding: chunked\r\n\r\n4000000000000000\r\nabc",
                e);
    }
    {
        Expect e;
        e.framing = Framing::UntilClose;
        e.body = "hello"_ba;
        e.keepAlive = false;
        e.eof = true;
        addRows("Transfer-Encoding without chunked reads until close",
                kOkHead + "Transfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\nhello", e);
        addRows("chunked not final reads until close",
                kOkHead + "Transfer-Encoding: chunked, gzip\r\n\r\nhello", e);
    }

    // --- no body
    {
        Expect e;
        e.framing = Framing::None;
        e.head = true;
        e.length = -1;
        e.keepAlive = false; // a body the server sends anyway would be read as the next response
        e.headerName = "content-length"_ba;
        e.headerValue = "1000"_ba;
        addRows("HEAD ignores Content-Length", kOkHead + "Content-Length: 1000\r\n\r\n", e);
        e.headerValue = "chunked"_ba;
        e.headerName = "transfer-encoding"_ba;
        addRows("HEAD ignores chunked", kOkHead + "Transfer-Encoding: chunked\r\n\r\n", e);
        e.head = false;
        e.status = 204;
        e.reason = "No Content"_ba;
        e.headerName = "Content-Length"_ba;
        e.headerValue = "10"_ba;
        addRows("204 ignores Content-Length", "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"_ba, e);
        e.headerValue = "ten"_ba;
        addRows("204 ignores an invalid Content-Length",
                "HTTP/1.1 204 No Content\r\nContent-Length: ten\r\n\r\n"_ba, e);
        e.status = 304;
        e.reason = "Not Modified"_ba;
        e.headerValue = "10"_ba;
        addRows("304 ignores Content-Length", "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"_ba,
                e);
        e.headerName = "Transfer-Encoding"_ba;
        e.headerValue = "chunked"_ba;
        addRows("304 ignores chunked", "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"_ba,
                e);
    }

    // --- interim responses and pipelining
    {
        Expect e;
        e.length = 2;
        e.body = "ok"_ba;
        addRows("100 Continue then 200",
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"_ba, e);
        e.headerName = "Link"_ba;
        e.headerValue = ""_ba;
        e.headerPresent = false;
        addRows("103 Early Hints then 200",
                "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"_ba,
                e);
        addRows(
            "several interim responses",
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102\r\nX: y\r\n\r\nHTTP/1.1 103 Early Hints\nLink: <a>\n\n"
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"_ba,
            e);
        const QByteArray first = kOkHead + "Content-Length: 2\r\n\r\nok";
        e.consumed = first.size();
        e.headerName.clear();
        addRows("pipelined response left unconsumed",
                first + "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno!", e);
        const QByteArray chunkedFirst = kOkHead + "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n";
        e.consumed = chunkedFirst.size();
        e.framing = Framing::Chunked;
        e.length = -1;
        addRows("pipelined after chunked", chunkedFirst + "HTTP/1.1 200 OK\r\n\r\n", e);
        const QByteArray headFirst = kOkHead + "Content-Length: 5\r\n\r\n";
        e.consumed = headFirst.size();
        e.framing = Framing::None;
        e.body.clear();
        e.head = true;
        e.keepAlive = false; // see "HEAD ignores Content-Length"
        addRows("pipelined after HEAD", headFirst + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", e);
    }

    // --- obsolete line folding: unfolded with a space (RFC 9112 §5.2, as a user agent does)
    {
        Expect e;
        e.length = 0;
        e.headerName = "X-A"_ba;
        e.headerValue = "a b"_ba;
        addRows("obs-fold", kOkHead + "X-A: a\r\n b\r\nContent-Length: 0\r\n\r\n", e);
        e.headerValue = "a, b c"_ba;
        addRows("obs-fold over two lines with tabs",
                kOkHead + "X-A: a,\r\n\t  b\r\n \tc \r\nContent-Length: 0\r\n\r\n", e);
        e.headerName = "Content-Length"_ba;
        e.headerValue = "5"_ba;
        e.length = 5;
        e.body = "hello"_ba;
        addRows("folded Content-Length value", kOkHead + "Content-Length:\r\n 5\r\n\r\nhello", e);
        e.framing = Framing::Chunked;
        e.length = -1;
        e.headerName = "Transfer-Encoding"_ba;
        e.headerValue = "gzip, chunked"_ba;
        addRows("folded Transfer-Encoding",
                kOkHead + "Transfer-Encoding: gzip,\r\n chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", e);
        e.headerName = "X-T"_ba;
        e.headerPresent = false;
        e.headerValue.clear();
        addRows("folded trailer",
                kOkHead
                    + "Transfer-Encoding: gzip,\r\n chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: a\r\n "
                      "b\r\n\r\n",
                e);
    }

    // --- header fields
    {
        Expect e;
        e.length = 0;
        e.headerName = "x-pad"_ba;
        e.headerValue = "value with  inner  spaces"_ba;
        addRows("values trimmed of OWS",
                kOkHead + "X-Pad: \t value with  inner  spaces \t\r\nContent-Length: 0\r\n\r\n", e);
        e.headerName = "X-Empty"_ba;
        e.headerValue = ""_ba;
        addRows("empty value", kOkHead + "X-Empty:\r\nContent-Length: 0\r\n\r\n", e);
        e.headerName = "SET-COOKIE"_ba;
        e.headerValue = "a=1, b=2, c=3"_ba;
        addRows("duplicates joined in order",
                kOkHead + "Set-Cookie: a=1\r\nContent-Length: 0\r\nset-cookie: b=2\r\nSet-Cookie:c=3\r\n\r\n",
                e);
        e.headerName = "X-Odd!#$%&'*+-.^_`|~"_ba;
        e.headerValue = "caf\xc3\xa9 \x80\xff"_ba;
        addRows("token punctuation and obs-text",
                kOkHead + "X-Odd!#$%&'*+-.^_`|~: caf\xc3\xa9 \x80\xff\r\nContent-Length: 0\r\n\r\n", e);
        e.headerName = "X-Colon"_ba;
        e.headerValue = "a:b: c"_ba;
        addRows("colons in the value", kOkHead + "X-Colon: a:b: c\r\nContent-Length: 0\r\n\r\n", e);
    }

    // --- limits, at and just past them
    {
        Expect e;
        e.length = 0;
        e.headerName = "X-F998"_ba;
        e.headerValue = "v"_ba;
        addRows("1000 fields", fieldsHead(999, 1) + "Content-Length: 0\r\n\r\n", e);
        addRows("1001 fields", fieldsHead(1000, 1) + "Content-Length: 0\r\n\r\n",
                error(u"more than 1000 header fields"_s));

        const QByteArray name = "X-Long: "_ba;
        const qsizetype valueSize = HttpResponseParser::kMaxLineBytes - name.size();
        e.headerName = "X-Long"_ba;
        e.headerValue = QByteArray(valueSize, 'l');
        addRows("line of 16 KiB", kOkHead + name + e.headerValue + "\r\nContent-Length: 0\r\n\r\n", e);
        addRows("line of 16 KiB, bare LF", kOkHead + name + e.headerValue + "\nContent-Length: 0\r\n\r\n", e);
        addRows("line over 16 KiB", kOkHead + name + e.headerValue + "l\r\nContent-Length: 0\r\n\r\n",
                error(u"header line longer than 16 KiB"_s));
        addRows("status line over 16 KiB",
                "HTTP/1.1 200 " + QByteArray(HttpResponseParser::kMaxLineBytes, 'r') + "\r\n\r\n",
                error(u"status line longer than 16 KiB"_s));

        // A head of exactly kMaxHeadBytes: 31 fields of 8000 bytes, one to pad, the final CRLF.
        QByteArray head = fieldsHead(31, 8000) + "Content-Length: 0\r\n";
        const qsizetype padLine = HttpResponseParser::kMaxHeadBytes - head.size() - 2;
        QVERIFY(padLine > 10 && padLine < HttpResponseParser::kMaxLineBytes);
        e.headerName = "X-Pad"_ba;
        e.headerValue = QByteArray(padLine - 9, 'p');
        QByteArray exact = head + "X-Pad: " + e.headerValue + "\r\n\r\n";
        QCOMPARE(exact.size(), HttpResponseParser::kMaxHeadBytes);
        addRows("head of exactly 256 KiB", exact, e);
        addRows("head one byte over 256 KiB", head + "X-Pad: " + e.headerValue + "p\r\n\r\n",
                error(u"the server's response header is larger than 256 KiB"_s));
        addRows("head far over 256 KiB", fieldsHead(40, 8000) + "\r\n",
                error(u"the server's response header is larger than 256 KiB"_s));
        QByteArray interims;
        while (interims.size() < HttpResponseParser::kMaxHeadBytes)
            interims += "HTTP/1.1 100 Continue\r\nX-Filler: " + QByteArray(200, 'f') + "\r\n\r\n";
        addRows("endless interim responses", interims + kOkHead + "Content-Length: 0\r\n\r\n",
                error(u"the server's response header is larger than 256 KiB"_s));
        addRows("trailers over 256 KiB",
                kOkHead + "Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n"
                    + fieldsHead(40, 8000).sliced(kOkHead.size()),
                error(u"trailer section is larger than 256 KiB"_s));
    }

    // --- Content-Length errors (never guess)
    addRows("conflicting Content-Length fields", kOkHead + "Content-Length: 12\r\nContent-Length: 13\r\n\r\n",
            error(u"the server sent an invalid Content-Length (12, 13)"_s));
    addRows("conflicting Content-Length list", kOkHead + "Content-Length: 12, 13\r\n\r\n",
            error(u"invalid Content-Length (12, 13)"_s));
    addRows("negative Content-Length", kOkHead + "Content-Length: -1\r\n\r\n",
            error(u"invalid Content-Length (-1)"_s));
    addRows("signed Content-Length", kOkHead + "Content-Length: +5\r\n\r\nhello",
            error(u"invalid Content-Length (+5)"_s));
    addRows("hex Content-Length", kOkHead + "Content-Length: 0x10\r\n\r\n",
            error(u"invalid Content-Length (0x10)"_s));
    addRows("empty Content-Length", kOkHead + "Content-Length:\r\n\r\n",
            error(u"invalid Content-Length ()"_s));
    addRows("Content-Length with empty element", kOkHead + "Content-Length: 5,\r\n\r\nhello",
            error(u"invalid Content-Length (5,)"_s));
    addRows("Content-Length of 19 digits", kOkHead + "Content-Length: 1000000000000000000\r\n\r\n",
            error(u"invalid Content-Length"_s));
    addRows("Content-Length with a space inside", kOkHead + "Content-Length: 1 2\r\n\r\n",
            error(u"invalid Content-Length (1 2)"_s));
    addRows("Content-Length with a decimal point", kOkHead + "Content-Length: 1.5\r\n\r\n",
            error(u"invalid Content-Length (1.5)"_s));
    addRows("chunked twice", kOkHead + "Transfer-Encoding: chunked, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            error(u"chunked transfer coding more than once"_s));

    // --- header syntax errors
    addRows("whitespace before the first field", kOkHead + " X-A: a\r\nContent-Length: 0\r\n\r\n",
            error(u"folded header line (obsolete line folding) with no field before it"_s));
    addRows("space before colon", kOkHead + "Content-Length : 5\r\n\r\nhello",
            error(u"whitespace before the colon in the header field \"Content-Length \""_s));
    addRows("tab before colon", kOkHead + "Content-Length\t: 5\r\n\r\nhello",
            error(u"whitespace before the colon"_s));
    addRows("NUL in a header value", kOkHead + "X-A: a\0b\r\nContent-Length: 0\r\n\r\n"_ba,
            error(u"NUL byte in its response header"_s));
    addRows("NUL in the status line", "HTTP/1.1 200 O\0K\r\nContent-Length: 0\r\n\r\n"_ba,
            error(u"NUL byte in its status line"_s));
    addRows("CR inside a header line", kOkHead + "X-A: a\rb\r\nContent-Length: 0\r\n\r\n",
            error(u"stray carriage return in its response header"_s));
    addRows("header line without colon", kOkHead + "Just some words\r\n\r\n",
            error(u"header line without a colon"_s));
    addRows("header without name", kOkHead + ": value\r\n\r\n", error(u"header field without a name"_s));
    addRows("invalid name character", kOkHead + "X(A): b\r\n\r\n",
            error(u"invalid header field name \"X(A)\""_s));
    addRows("non-ASCII name", kOkHead + "X-\xc3\xa9: b\r\n\r\n",
            error(u"invalid header field name \"X-\\xc3\\xa9\""_s));

    // --- status line errors
    addRows("HTML instead of a status line", "<html><body>hello</body></html>\r\n"_ba,
            error(u"the server's response is not HTTP/1.x (it starts with \"<\")"_s));
    addRows("HTTP/0.9 body", "hello world\n"_ba, error(u"not HTTP/1.x"_s));
    addRows("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"_ba, error(u"not HTTP/1.x"_s));
    addRows("HTTP/2 settings frame", "\x00\x00\x12\x04\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x64"_ba,
            error(u"not HTTP/1.x (it starts with \"\\x00\")"_s));
    addRows("HTTP/2 status line", "HTTP/2 200\r\n\r\n"_ba,
            error(u"HTTP version other than 1.x (\"HTTP/2\")"_s));
    addRows("TLS alert", "\x15\x03\x01\x00\x02\x02\x46"_ba, error(u"answered with TLS"_s));
    addRows("lower-case http", "http/1.1 200 OK\r\n\r\n"_ba, error(u"not HTTP/1.x"_s));
    addRows("empty line before the status line", "\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"_ba,
            error(u"not HTTP/1.x"_s));
    addRows("short line", "HTTP\r\n"_ba, error(u"not HTTP/1.x"_s));
    addRows("non-digit minor version", "HTTP/1.x 200 OK\r\n\r\n"_ba, error(u"invalid status line"_s));
    addRows("non-digit status", "HTTP/1.1 2x0 OK\r\n\r\n"_ba,
            error(u"invalid status line: \"HTTP/1.1 2x0 OK\""_s));
    addRows("four-digit status", "HTTP/1.1 2000 OK\r\n\r\n"_ba, error(u"invalid status line"_s));
    addRows("two-digit status", "HTTP/1.1 20 OK\r\n\r\n"_ba, error(u"invalid status line"_s));
    addRows("two spaces", "HTTP/1.1  200 OK\r\n\r\n"_ba, error(u"invalid status line"_s));
    addRows("no status", "HTTP/1.1\r\n\r\n"_ba, error(u"invalid status line"_s));
    addRows("status 099", "HTTP/1.1 099 Low\r\n\r\n"_ba, error(u"invalid status code (099)"_s));
    addRows("status 600", "HTTP/1.1 600 High\r\n\r\n"_ba, error(u"invalid status code (600)"_s));
    addRows("101 Switching Protocols", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"_ba,
            error(u"switched protocols"_s));

    // --- chunked errors
    const QByteArray chunkedHead = kOkHead + "Transfer-Encoding: chunked\r\n\r\n";
    addRows("bad chunk size", chunkedHead + "xyz\r\nabc\r\n0\r\n\r\n",
            error(u"malformed chunk size: \"xyz\""_s));
    addRows("empty chunk size", chunkedHead + "\r\n", error(u"malformed chunk size"_s));
    addRows("chunk size after a space", chunkedHead + " 5\r\nhello\r\n0\r\n\r\n",
            error(u"malformed chunk size"_s));
    addRows("negative chunk size", chunkedHead + "-5\r\nhello\r\n0\r\n\r\n",
            error(u"malformed chunk size"_s));
    addRows("chunk size 0x prefix", chunkedHead + "0x5\r\nhello\r\n0\r\n\r\n",
            error(u"malformed chunk size"_s));
    addRows("chunk size with junk after it", chunkedHead + "5 x\r\nhello\r\n0\r\n\r\n",
            error(u"malformed chunk size"_s));
    addRows("missing CRLF after chunk data", chunkedHead + "5\r\nhelloX\r\n0\r\n\r\n",
            error(u"not followed by CRLF (after 5 body bytes)"_s));
    addRows("bare LF after chunk data", chunkedHead + "5\r\nhello\n0\r\n\r\n",
            error(u"not followed by CRLF"_s));
    addRows("chunk shorter than announced", chunkedHead + "6\r\nhello\r\n0\r\n\r\n",
            error(u"not followed by CRLF"_s));
    addRows("chunk size overflow", chunkedHead + "ffffffffffffffffffff\r\n", error(u"larger than 2^62"_s));
    addRows("chunk size just over 2^62", chunkedHead + "4000000000000001\r\n", error(u"larger than 2^62"_s));
    addRows("chunk size line over 16 KiB",
            chunkedHead + "1;" + QByteArray(HttpResponseParser::kMaxLineBytes, 'e') + "\r\n",
            error(u"malformed chunk size: the line is longer than 16 KiB"_s));
    addRows("NUL in chunk extension", chunkedHead + "1;a\0b\r\nx\r\n0\r\n\r\n"_ba,
            error(u"NUL byte in its chunk size line"_s));

    // --- the connection closes early
    addRows("EOF mid-body", kOkHead + "Content-Length: 5000\r\n\r\n" + QByteArray(1200, 'b'),
            error(u"the connection closed after 1200 of 5000 body bytes"_s, true));
    addRows("EOF mid-chunk", chunkedHead + "10\r\n0123456789",
            error(u"middle of the chunked body (after 10 body bytes)"_s, true));
    addRows("EOF before the last chunk", chunkedHead + "1\r\nx\r\n",
            error(u"middle of the chunked body"_s, true));
    addRows("EOF in the trailers", chunkedHead + "1\r\nx\r\n0\r\nX-T: a\r\n",
            error(u"middle of the chunked body"_s, true));
    addRows("EOF in the head", kOkHead + "Content-Le",
            error(u"before the response header was complete"_s, true));
    addRows("EOF after an interim response", "HTTP/1.1 100 Continue\r\n\r\n"_ba,
            error(u"before the response header was complete"_s, true));
    addRows("EOF without a byte", QByteArray(), error(u"the connection closed without a response"_s, true));
}

void TestHttpResponseParser::parse()
{
    QFETCH(QByteArray, input);
    QFETCH(int, split);
    QFETCH(Expect, expect);

    HttpResponseParser parser(expect.head);
    QByteArray body;
    const qsizetype consumed = feedSplit(parser, input, Split(split), &body);
    QVERIFY2(consumed >= 0, "feed() returned more than it was given");
    if (expect.eof)
        parser.finishAtEof();
    QVERIFY2(parser.state() == expect.state,
             qPrintable(u"state %1, error \"%2\""_s.arg(int(parser.state())).arg(parser.errorString())));

    if (expect.state == State::Error) {
        QVERIFY2(parser.errorString().contains(expect.error), qPrintable(parser.errorString()));
        QVERIFY(!parser.keepAlive());
        QCOMPARE(parser.feed("HTTP/1.1 200 OK\r\n\r\n", &body), qsizetype(0));
        QCOMPARE(parser.state(), State::Error);
        return;
    }
    QCOMPARE(parser.errorString(), QString());
    QCOMPARE(consumed, expect.consumed < 0 ? input.size() : expect.consumed);
    QVERIFY(parser.headComplete());
    QCOMPARE(parser.statusCode(), expect.status);
    QCOMPARE(parser.reasonPhrase(), expect.reason);
    QCOMPARE(parser.versionMinor(), expect.versionMinor);
    QCOMPARE(parser.framing(), expect.framing);
    QCOMPARE(parser.contentLength(), expect.length);
    QCOMPARE(body.size(), expect.body.size());
    QVERIFY(body == expect.body); // not QCOMPARE: a 5 MB mismatch would flood the log
    QCOMPARE(parser.bodyBytesDelivered(), qint64(expect.body.size()));
    QCOMPARE(parser.keepAlive(), expect.keepAlive);
    if (!expect.headerName.isEmpty()) {
        QCOMPARE(parser.header(expect.headerName), expect.headerValue);
        QCOMPARE(parser.hasHeader(expect.headerName), expect.headerPresent);
    }
}

void TestHttpResponseParser::pipelinedResponseIsLeftForTheCaller()
{
    const QByteArray first = kOkHead + "Content-Length: 3\r\n\r\nabc";
    const QByteArray second
        = "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnope"_ba;
    const QByteArray stream = first + second;

    HttpResponseParser parser;
    QByteArray body;
    QCOMPARE(parser.feed(stream, &body), first.size());
    QCOMPARE(parser.state(), State::Complete);
    QCOMPARE(body, "abc"_ba);
    QVERIFY(parser.keepAlive());

    HttpResponseParser next;
    QByteArray nextBody;
    QCOMPARE(next.feed(QByteArrayView(stream).sliced(first.size()), &nextBody), second.size());
    QCOMPARE(next.state(), State::Complete);
    QCOMPARE(next.statusCode(), 404);
    QCOMPARE(nextBody, "nope"_ba);
    QVERIFY(!next.keepAlive());
}

void TestHttpResponseParser::interimResponsesAreInvisible()
{
    HttpResponseParser parser;
    QByteArray body;
    const QByteArray interim = "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"_ba;
    QCOMPARE(parser.feed(interim, &body), interim.size());
    // The interim head is complete but the caller must still see "no head yet".
    QCOMPARE(parser.state(), State::StatusLine);
    QVERIFY(!parser.headComplete());
    QVERIFY(parser.headers().isEmpty());
    QCOMPARE(parser.statusCode(), 0);

    const QByteArray final = "HTTP/1.0 200 Fine\r\nContent-Length: 1\r\n\r\nx"_ba;
    QCOMPARE(parser.feed(final, &body), final.size());
    QCOMPARE(parser.statusCode(), 200);
    QCOMPARE(parser.reasonPhrase(), "Fine"_ba);
    QCOMPARE(parser.versionMinor(), 0);
    QCOMPARE(parser.headers().size(), qsizetype(1));
    QVERIFY(!parser.hasHeader("link"));
    QCOMPARE(body, "x"_ba);
}

void TestHttpResponseParser::feedHeadStopsWhereTheBodyStarts()
{
    // An interim head, the final head and the start of the body in one read: feedHead() takes both heads and
    // nothing of the body, which feed() then takes as usual.
    const QByteArray heads = "HTTP/1.1 100 Continue\r\n\r\n"_ba + kOkHead + "Content-Length: 6\r\n\r\n";
    const QByteArray input = heads + "abc";
    HttpResponseParser parser;
    QCOMPARE(parser.feedHead(input), heads.size());
    QCOMPARE(parser.state(), State::Body);
    QCOMPARE(parser.statusCode(), 200);
    QCOMPARE(parser.bodyBytesDelivered(), qint64(0));
    QCOMPARE(parser.feedHead("abc"), qsizetype(0)); // the head is complete: nothing more is a head
    QByteArray body;
    QCOMPARE(parser.feed(QByteArrayView(input).sliced(heads.size()), &body), qsizetype(3));
    QCOMPARE(parser.feed("def", &body), qsizetype(3));
    QCOMPARE(body, "abcdef"_ba);
    QCOMPARE(parser.state(), State::Complete);

    HttpResponseParser broken;
    QCOMPARE(broken.feedHead("HTTP/1.1 abc\r\n\r\n"), qsizetype(0));
    QCOMPARE(broken.state(), State::Error);
}

void TestHttpResponseParser::bodyIsAppendedNotReplaced()
{
    HttpResponseParser parser;
    QByteArray body = "earlier|"_ba;
    parser.feed(QByteArray(kOkHead + "Content-Length: 6\r\n\r\nabc"), &body);
    parser.feed("def", &body);
    QCOMPARE(body, "earlier|abcdef"_ba);
    QCOMPARE(parser.bodyBytesDelivered(), qint64(6));
    QCOMPARE(parser.state(), State::Complete);
}

void TestHttpResponseParser::nullBodyStillCounts()
{
    HttpResponseParser parser;
    const QByteArray input = kOkHead + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
    QCOMPARE(parser.feed(input, nullptr), input.size());
    QCOMPARE(parser.state(), State::Complete);
    QCOMPARE(parser.bodyBytesDelivered(), qint64(3));
}

void TestHttpResponseParser::nothingIsConsumedAfterTheEnd_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<bool>("eof");
    QTest::addColumn<State>("state");
    QTest::newRow("complete") << QByteArray(kOkHead + "Content-Length: 1\r\n\r\nx") << false
                              << State::Complete;
    QTest::newRow("complete at EOF") << QByteArray(kOkHead + "\r\nxyz") << true << State::Complete;
    QTest::newRow("error") << "HTTP/1.1 200 OK\r\nBad Field\r\n"_ba << false << State::Error;
    QTest::newRow("error at EOF") << QByteArray(kOkHead + "Content-Length: 9\r\n\r\nx") << true
                                  << State::Error;
}

void TestHttpResponseParser::nothingIsConsumedAfterTheEnd()
{
    QFETCH(QByteArray, input);
    QFETCH(bool, eof);
    QFETCH(State, state);
    HttpResponseParser parser;
    QByteArray body;
    parser.feed(input, &body);
    if (eof)
        parser.finishAtEof();
    QCOMPARE(parser.state(), state);
    const QByteArray before = body;
    const qint64 delivered = parser.bodyBytesDelivered();
    const QString error = parser.errorString();
    QCOMPARE(parser.feed("more bytes\r\n\r\n", &body), qsizetype(0));
    parser.finishAtEof();
    QCOMPARE(parser.state(), state);
    QCOMPARE(body, before);
    QCOMPARE(parser.bodyBytesDelivered(), delivered);
    QCOMPARE(parser.errorString(), error);
}

void TestHttpResponseParser::garbageIsHandled_data()
{
    QTest::addColumn<QByteArray>("input");
    const QByteArray random = randomBytes(1024 * 1024, 7);
    QTest::newRow("random bytes") << random;
    QTest::newRow("status line, then random") << QByteArray(kOkHead + random);
    QTest::newRow("chunked head, then random")
        << QByteArray(kOkHead + "Transfer-Encoding: chunked\r\n\r\n" + random);
    QTest::newRow("length head, then random")
        << QByteArray(kOkHead + "Content-Length: 999999\r\n\r\n" + random);
    // Printable garbage with many line breaks gets deeper into the line parsers than uniform bytes.
    QByteArray lines = random;
    for (char &c : lines) {
        const auto u = static_cast<unsigned char>(c);
        c = u < 24 ? '\n' : u < 32 ? ':' : u < 40 ? ' ' : char(33 + u % 94);
    }
    QTest::newRow("status line, then header-ish lines") << QByteArray(kOkHead + lines);
    QTest::newRow("chunked head, then chunk-ish lines")
        << QByteArray(kOkHead + "Transfer-Encoding: chunked\r\n\r\n" + lines);
}

void TestHttpResponseParser::garbageIsHandled()
{
    QFETCH(QByteArray, input);
    std::mt19937 rng(kSeed);
    HttpResponseParser parser;
    QByteArray body;
    qint64 bodyTotal = 0;
    qsizetype pos = 0;
    while (pos < input.size()) {
        const qsizetype piece = std::min(randomPiece(rng), input.size() - pos);
        const qsizetype used = parser.feed(QByteArrayView(input).sliced(pos, piece), &body);
        QVERIFY(used >= 0 && used <= piece);
        bodyTotal += body.size();
        body.clear();
        pos += used;
        if (used < piece) {
            QVERIFY(parser.state() == State::Complete || parser.state() == State::Error);
            break;
        }
    }
    QCOMPARE(parser.bodyBytesDelivered(), bodyTotal);
    if (parser.framing() == Framing::ContentLength)
        QVERIFY(bodyTotal <= parser.contentLength());
    if (parser.state() == State::Error) {
        QVERIFY(!parser.errorString().isEmpty());
        QCOMPARE(parser.feed(input, &body), qsizetype(0));
    }
    parser.finishAtEof();
    QVERIFY(parser.state() == State::Complete || parser.state() == State::Error);
}

QTEST_GUILESS_MAIN(TestHttpResponseParser)
#include "tst_httpresponseparser.moc"
