#pragma once

#include <QMetaType>
#include <QString>

#include <chrono>

namespace heiko {

// Why a download (or one attempt at it) did not finish. Errors are values: they travel from the worker
// thread to the manager, the window and the CLI without losing the reason.
class DownloadError final
{
public:
    enum class Kind {
        None,
        InvalidUrl, // not an absolute http(s) URL
        Network, // connection refused, reset, DNS, TLS
        Timeout, // nothing received for the configured timeout
        Http, // the server answered with an error status
        Redirect, // a refused or endless redirect
        Protocol, // a response that contradicts itself (length, range)
        Disk, // the target folder or file could not be written
        Cancelled,
    };

    DownloadError() = default;
    DownloadError(Kind kind, QString message, bool transient = false, int httpStatus = 0);

    static DownloadError none() { return {}; }

    Kind kind() const { return m_kind; }
    const QString &message() const { return m_message; }
    // A transient error may succeed when tried again (reset, timeout, 408, 429, 5xx).
    bool isTransient() const { return m_transient; }
    int httpStatus() const { return m_httpStatus; }
    // What the server asked for with Retry-After; zero when it said nothing.
    std::chrono::milliseconds retryAfter() const { return m_retryAfter; }
    void setRetryAfter(std::chrono::milliseconds delay) { m_retryAfter = delay; }

    bool isError() const { return m_kind != Kind::None; }
    explicit operator bool() const { return isError(); }

    static QString kindName(Kind kind);

private:
    Kind m_kind = Kind::None;
    QString m_message;
    bool m_transient = false;
    int m_httpStatus = 0;
    std::chrono::milliseconds m_retryAfter { 0 };
};

} // namespace heiko

Q_DECLARE_METATYPE(heiko::DownloadError)
