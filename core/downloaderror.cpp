#include "downloaderror.h"

namespace heiko {

DownloadError::DownloadError(Kind kind, QString message, bool transient, int httpStatus)
    : m_kind(kind)
    , m_message(std::move(message))
    , m_transient(transient)
    , m_httpStatus(httpStatus)
{ }

QString DownloadError::kindName(Kind kind)
{
    switch (kind) {
    case Kind::None:
        return QStringLiteral("none");
    case Kind::InvalidUrl:
        return QStringLiteral("invalid-url");
    case Kind::Network:
        return QStringLiteral("network");
    case Kind::Timeout:
        return QStringLiteral("timeout");
    case Kind::Http:
        return QStringLiteral("http");
    case Kind::Redirect:
        return QStringLiteral("redirect");
    case Kind::Protocol:
        return QStringLiteral("protocol");
    case Kind::Disk:
        return QStringLiteral("disk");
    case Kind::Cancelled:
        return QStringLiteral("cancelled");
    }
    return QStringLiteral("unknown");
}

} // namespace heiko
