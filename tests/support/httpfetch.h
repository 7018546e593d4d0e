#pragma once

#include "httpreply.h"

#include <QByteArray>
#include <QString>
#include <QUrl>

namespace heiko {
class HttpClient;
}

// What one GET through Heiko's own HTTP client came to.
struct Fetched
{
    bool finished = false;
    heiko::HttpReply::Error error = heiko::HttpReply::Error::None;
    QString errorString;
    QByteArray body;
    bool reused = false;
};

// One GET of `url` on `client`, its body read as it comes, run to its end (or `timeoutMs`).
Fetched fetch(heiko::HttpClient &client, const QUrl &url, int timeoutMs = 10'000);
