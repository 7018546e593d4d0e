#pragma once

#include <QElapsedTimer>
#include <QList>
#include <QString>

#include <cstdio>

namespace heiko {
class DownloadManager;
}

// Live progress on a terminal: log lines scroll above a block of one line per running download and a
// summary line, redrawn in place (ANSI cursor movement) a few times a second. Used only when the stream is
// a terminal; piped output gets plain log lines instead.
class TerminalProgress final
{
public:
    TerminalProgress(std::FILE *stream, const heiko::DownloadManager &manager);

    // Prints `lines` (already formatted) above the block and redraws it.
    void update(const QList<QString> &lines, bool force = false);
    // Removes the block, leaving only the log lines.
    void clear();

private:
    QString renderBlock() const;
    std::FILE *m_stream;
    const heiko::DownloadManager &m_manager;
    int m_blockLines = 0;
    QElapsedTimer m_sinceDraw;
};
