#include "httpfetch.h"

#include "httpclient.h"

#include <QSignalSpy>

#include <memory>

Fetched fetch(heiko::HttpClient &client, const QUrl &url, int timeoutMs)
{
    std::unique_ptr<heiko::HttpReply> reply(client.get({ url, {}, "heiko-tests" }));
    Fetched result;
    const auto drain = [&] {
        char buffer[4096];
        for (qint64 n; (n = reply->read(buffer, sizeof buffer)) > 0;)
            result.body.append(buffer, n);
    };
    QObject::connect(reply.get(), &heiko::HttpReply::readyRead, reply.get(), drain);
    QSignalSpy finished(reply.get(), &heiko::HttpReply::finished);
    reply->start();
    result.finished = finished.wait(timeoutMs) || !finished.isEmpty();
    drain();
    result.error = reply->error();
    result.errorString = reply->errorString();
    result.reused = reply->reusedConnection();
    return result;
}
