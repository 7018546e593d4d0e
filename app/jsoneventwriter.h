#pragma once

#include <QJsonObject>
#include <QString>

#include <cstdio>

namespace heiko {
struct DownloadInfo;
}

// `--json`: one JSON object per line per event, flushed at once, so that a script reading the pipe sees
// each event when it happens. Every object has "event", "time" (ms since the epoch) and, for downloads,
// "id". URLs are credential-masked.
class JsonEventWriter final
{
public:
    explicit JsonEventWriter(std::FILE *stream);

    void added(const heiko::DownloadInfo &info);
    void started(const heiko::DownloadInfo &info);
    void progress(const heiko::DownloadInfo &info);
    void finished(const heiko::DownloadInfo &info);
    void failed(const heiko::DownloadInfo &info);
    // A line of the URL list (or a URL argument) that was skipped; `source` is "FILE:LINE" or "argument N".
    void skipped(const QString &source, const QString &text, const QString &reason);

private:
    void write(const QString &event, QJsonObject object);
    std::FILE *m_stream;
};
