#include "downloadworker.h"

#include "downloadattempt.h"

#include "httpclient.h"

#include <QThreadStorage>

namespace heiko {

namespace {

// Each worker thread keeps one HttpClient for its whole life: its sockets belong to this thread, and keeping
// it lets the next download on this worker reuse an idle connection to the same server. QThreadStorage
// deletes it in that same thread when the pool retires the thread.
HttpClient &threadHttpClient()
{
    static QThreadStorage<HttpClient *> clients;
    if (!clients.hasLocalData())
        clients.setLocalData(new HttpClient);
    return *clients.localData();
}

} // namespace

void runDownloadAttempt(QPromise<AttemptResult> &promise, const AttemptJob &job)
{
    if (promise.isCanceled())
        return;
    DownloadAttempt attempt(job, promise, threadHttpClient());
    promise.addResult(attempt.run());
}

} // namespace heiko
