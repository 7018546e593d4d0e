#include "secretmasking.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace heiko::secrets {

QString maskedUrl(const QUrl &url)
{
    if (url.password().isEmpty())
        return url.toDisplayString();
    QUrl masked = url;
    masked.setPassword(kMask.toString());
    return masked.toDisplayString();
}

QString scrubSecrets(const QString &text)
{
    // Cheap checks first: almost no message carries a secret, and this runs on every log record.
    const bool mayHaveUserinfo = text.contains(u'@');
    const bool mayHaveHeader = text.contains(u"uthorization", Qt::CaseInsensitive)
        || text.contains(u"cookie", Qt::CaseInsensitive);
    if (!mayHaveUserinfo && !mayHaveHeader)
        return text;

    QString result = text;
    if (mayHaveUserinfo) {
        // scheme://user:secret@host -> scheme://user:***@host (also when the user name is empty)
        static const QRegularExpression userinfo(uR"(([A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@:]*):[^\s/?#@]*@)"_s);
        result.replace(userinfo, u"\\1:***@"_s);
    }
    if (mayHaveHeader) {
        static const QRegularExpression header(
            uR"(\b((?:Proxy-)?Authorization|Set-Cookie|Cookie)(\s*[:=]\s*)[^\r\n]*)"_s,
            QRegularExpression::CaseInsensitiveOption);
        result.replace(header, u"\\1\\2***"_s);
    }
    return result;
}

} // namespace heiko::secrets
