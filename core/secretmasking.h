#pragma once

#include <QString>
#include <QUrl>

// Credentials never reach a log line, the terminal, JSON output or a saved file. Everything that shows a
// URL goes through maskedUrl(); the log hub also runs scrubSecrets() over every message as a second line of
// defence for text that was put together elsewhere (a Qt warning quoting a URL, a server's error text).
namespace heiko::secrets {

inline constexpr QStringView kMask = u"***";

// The URL for display: a password becomes "***" (the user name stays, it helps tell accounts apart).
QString maskedUrl(const QUrl &url);

// Masks "scheme://user:password@" passwords and the values of Authorization, Proxy-Authorization, Cookie
// and Set-Cookie headers anywhere in free text.
QString scrubSecrets(const QString &text);

} // namespace heiko::secrets
