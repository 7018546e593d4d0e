#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>
#include <QString>

namespace heiko {

// An incremental HTTP/1.1 response parser (RFC 9112) for Heiko's own client: bytes go in as they arrive from
// the socket, in pieces of any size; out come the status, the header fields, and the body bytes with the
// framing (Content-Length, chunked, or until the connection closes) removed. Pure: no I/O, no Qt event loop,
// linear in its input, total on any input (a libFuzzer target feeds it garbage).
//
// Limits that protect the client: the status line and each header line at most kMaxLineBytes, the whole head
// at most kMaxHeadBytes, at most kMaxHeaderFields fields, chunk-size lines at most kMaxLineBytes; anything
// past them is an error, never an unbounded buffer. The head limit counts skipped 1xx interim heads as well,
// so a server cannot keep the client busy with endless 100/103 responses. Errors are raised at the first byte
// that makes the input invalid, so the outcome does not depend on how the input was split into feed() calls.
class HttpResponseParser final
{
public:
    static constexpr qsizetype kMaxLineBytes = 16 * 1024;
    static constexpr qsizetype kMaxHeadBytes = 256 * 1024;
    static constexpr int kMaxHeaderFields = 1000;

    enum class State {
        StatusLine,
        Headers,
        Body, // head complete: header fields are available
        Complete, // the whole message was read (for close-delimited bodies: after finishAtEof())
        Error,
    };

    // `requestWasHead`: a response to HEAD has no body whatever its Content-Length says.
    explicit HttpResponseParser(bool requestWasHead = false);

    // Consumes bytes from `data` and returns how many it used. Body bytes are appended to `body` (which the
    // caller empties as it writes them out). It stops early (returns fewer than given) only when the message
    // is complete — the rest belongs to the next response on the connection — or on an error. A null `body`
    // drops the body bytes (they are still counted).
    qsizetype feed(QByteArrayView data, QByteArray *body);
    // Like feed(), but stops where the body starts: returns the bytes of the head (and of any 1xx interim
    // heads before it) that `data` held. The caller can then leave a Content-Length body where it already is
    // instead of having it appended somewhere (feed() with a null `body` counts it).
    qsizetype feedHead(QByteArrayView data);
    // The connection closed: completes a close-delimited body; anything else unfinished becomes an error
    // ("the connection closed after 1200 of 5000 body bytes"; "...without a response" when no byte came).
    void finishAtEof();

    State state() const { return m_state; }
    bool headComplete() const { return m_state == State::Body || m_state == State::Complete; }
    QString errorString() const { return m_error; }

    int statusCode() const { return m_status; }
    QByteArray reasonPhrase() const { return m_reason; }
    int versionMinor() const { return m_versionMinor; } // HTTP/1.x
    // Header fields in the order received, names as sent, values with surrounding whitespace removed.
    const QList<QPair<QByteArray, QByteArray>> &headers() const { return m_headers; }
    // All values of a field (case-insensitive name), joined with ", " the way Qt's QNetworkReply joins them;
    // empty when absent.
    QByteArray header(QByteArrayView name) const;
    bool hasHeader(QByteArrayView name) const;

    // The body's framing, decided when the head completes.
    enum class Framing { None, ContentLength, Chunked, UntilClose };
    Framing framing() const { return m_framing; }
    qint64 contentLength() const { return m_contentLength; } // -1 unless Framing::ContentLength
    qint64 bodyBytesDelivered() const { return m_bodyDelivered; }
    // Whether the connection can carry another request after this response (HTTP/1.1 without
    // "Connection: close", a complete message that was not close-delimited; HTTP/1.0 only with keep-alive).
    bool keepAlive() const;

private:
    // Finer than State: where in the message the next byte belongs.
    enum class Phase {
        StatusLine,
        Headers,
        LengthBody,
        CloseBody,
        ChunkSize,
        ChunkData,
        ChunkDataCr,
        ChunkDataLf,
        Trailers,
        Done, // Complete or Error
    };

    qsizetype feedLine(QByteArrayView data); // bytes used, -1 on error
    bool processLine(QByteArrayView line);
    bool parseStatusLine(QByteArrayView line);
    bool parseField(QByteArrayView line, bool keep);
    bool finishHead();
    bool parseChunkSize(QByteArrayView line);
    void deliver(QByteArrayView bytes, QByteArray *body);
    void complete();
    void fail(const QString &why);

    State m_state = State::StatusLine;
    Phase m_phase = Phase::StatusLine;
    // The open line when a feed() ended inside one; complete lines in a single feed() are parsed in place.
    QByteArray m_line;
    // Bytes and fields of the head (counted across skipped 1xx heads too) or, later, of the trailer section.
    qsizetype m_sectionBytes = 0;
    int m_sectionFields = 0;
    qint64 m_chunkRemaining = 0;
    bool m_reusable = false; // the header's verdict on keep-alive, decided with the framing
    QString m_error;
    int m_status = 0;
    QByteArray m_reason;
    int m_versionMinor = 1;
    QList<QPair<QByteArray, QByteArray>> m_headers;
    Framing m_framing = Framing::None;
    qint64 m_contentLength = -1;
    qint64 m_bodyDelivered = 0;
    bool m_head = false;
};

} // namespace heiko
