#pragma once

#include <QString>
#include <QUrl>

namespace heiko {

// What the user asked for: a value, built by the CLI, a drop or the add dialog.
struct DownloadRequest
{
    QUrl url;
    QString directory; // target folder; must exist or be creatable
    QString fileName; // a name the user chose (aria2 `out=`); empty: let the server and URL decide
    bool startPaused = false;
};

} // namespace heiko
